"""manage.py loyalty_settle [SHOP_SLUG] [--at ISO-8601]: the nightly loyalty work (pending
points become available, expiry, yearly decay, tier recompute) for one shop or every shop,
as of --at (default now). --at is the clock for everything the settle decides."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm.models import Shop
from crm.tenancy.context import shop_scope
from loyalty.services import loyalty_settle


def settle_moment(raw: str | None, shop: Shop) -> datetime:
    """--at as an aware moment: now when absent; a value without an offset (a date, or a
    local time) in the shop's timezone."""
    if raw is None:
        return timezone.now()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--at {raw!r} is not an ISO-8601 date or time") from None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=shop.tzinfo)


class Command(BaseCommand):
    help = "Settle loyalty points and tiers as of a moment (default: now), for one shop or all."

    def add_arguments(self, parser):
        parser.add_argument("shop_slug", nargs="?")
        parser.add_argument("--at", help="ISO 8601; a time without an offset is read in each shop's timezone")

    def handle(self, *args, shop_slug: str | None, at: str | None, **options):
        shops = Shop.objects.order_by("pk")
        if shop_slug:
            shops = shops.filter(slug=shop_slug)
            if not shops.exists():
                raise CommandError(f"no shop with slug {shop_slug!r}")
        for shop in shops:
            moment = settle_moment(at, shop)
            with shop_scope(shop.pk):
                result = loyalty_settle(shop=shop, at=moment)
            self.stdout.write(
                f"{shop.slug} as of {moment.isoformat()}: {result.made_available} entries available, "
                f"{result.expired} expired, {result.decayed} decayed, {result.tier_changes} tier changes"
            )
