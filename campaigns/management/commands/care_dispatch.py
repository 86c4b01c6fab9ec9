"""manage.py care_dispatch [SHOP_SLUG] [--at ISO-8601]: one care round, synchronously, exactly
as beat runs it (campaigns/services/care_messages.py care_round_run), for one shop or every
shop. `--at` is the round's clock for everything it decides (default: now). The last line of
stdout is the JSON summary (summed over the shops)."""

import json
from collections import Counter
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from campaigns.services.care_messages import care_round_run
from crm.models import Shop


def _moment(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--at {raw!r} is not an ISO-8601 date and time") from None
    if timezone.is_naive(moment):
        raise CommandError("--at needs a UTC offset, e.g. 2026-10-10T09:00:00+08:00")
    return moment


def summaries_add(total: dict, summary: dict) -> dict:
    for name, value in summary.items():
        if isinstance(value, dict):
            total[name] = dict(Counter(total.get(name, {})) + Counter(value))
        else:
            total[name] = total.get(name, 0) + value
    return total


class Command(BaseCommand):
    help = "Run one care round now: find due care occasions, write their messages, send what is due."

    def add_arguments(self, parser):
        parser.add_argument("shop_slug", nargs="?", help="default: every shop")
        parser.add_argument("--at", help="the round's clock, ISO-8601 with an offset (default: now)")

    def handle(self, *args, shop_slug: str | None, at: str | None, **options):
        moment = _moment(at) if at else timezone.now()
        shops = Shop.objects.order_by("pk")
        if shop_slug is not None:
            shops = shops.filter(slug=shop_slug)
            if not shops.exists():
                raise CommandError(f"no shop with slug {shop_slug!r}")
        total: dict = {}
        for shop in shops:
            summary = care_round_run(shop=shop, at=moment)
            self.stdout.write(f"{shop.slug}: {json.dumps(summary, sort_keys=True)}")
            summaries_add(total, summary)
        self.stdout.write(json.dumps(total, sort_keys=True))
