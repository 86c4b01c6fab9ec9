"""`manage.py tickets_scan [SHOP_SLUG] [--at ISO]`: run the SLA breach scan now (one shop or
every shop), as the beat would; `--at` rehearses it at another instant."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from crm.models import Shop
from tickets.services.breaches import sla_breaches_scan


class Command(BaseCommand):
    help = "Warn before SLA due times and escalate breaches, for one shop or all."

    def add_arguments(self, parser):
        parser.add_argument("shop_slug", nargs="?")
        parser.add_argument("--at", help="the instant to scan at, ISO 8601 with an offset (default: now)")

    def handle(self, shop_slug=None, at=None, **options):
        now = None
        if at:
            try:
                now = datetime.fromisoformat(at)
            except ValueError:
                raise CommandError(f"--at {at!r} is not an ISO 8601 time.") from None
            if now.tzinfo is None:
                raise CommandError("--at needs an offset, e.g. 2026-12-07T09:00:00+08:00.")
        shops = Shop.objects.filter(slug=shop_slug) if shop_slug else Shop.objects.order_by("pk")
        if shop_slug and not shops.exists():
            raise CommandError(f"No shop {shop_slug!r}.")
        for shop in shops:
            result = sla_breaches_scan(shop=shop, now=now)
            self.stdout.write(
                f"{shop.slug}: {result.warnings} warnings, {result.breaches} escalations, {result.emails_sent} emails"
            )
