"""Celery adapters: JSON scalars in, shop scope around, one service call."""

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from crm.models import Shop
from crm.tenancy.tasks import with_shop_scope

SETTLE_LOCAL_HOUR = 3


@shared_task(name="loyalty.settle")
@with_shop_scope
def loyalty_settle_task(shop_id: int, at: str) -> dict:
    """Safe to run twice: what a settle did is not done again (loyalty/services/settle.py)."""
    from loyalty.services import loyalty_settle

    result = loyalty_settle(shop=Shop.objects.get(pk=shop_id), at=datetime.fromisoformat(at))
    return result.__dict__


@shared_task(name="loyalty.settle_dispatch")
def loyalty_settle_dispatch_task() -> int:
    """Beat entry point (hourly): queue the settle of each shop whose local time is in the
    03:00 hour, so each shop settles once a night; returns how many were queued."""
    now = timezone.now()
    shop_ids = [
        shop.pk for shop in Shop.objects.order_by("pk") if now.astimezone(shop.tzinfo).hour == SETTLE_LOCAL_HOUR
    ]
    for shop_id in shop_ids:
        loyalty_settle_task.delay(shop_id, now.isoformat())
    return len(shop_ids)
