"""Celery adapters (routed to the messaging queue by name, CELERY_TASK_ROUTES "messaging.*")."""

from celery import shared_task
from django.utils import timezone

from crm.models import Shop
from crm.tenancy.tasks import with_shop_scope

# A round stops claiming after this long, well inside the soft time limit, so the limit never
# interrupts a send (the next minute's round goes on with what is left).
ROUND_SECONDS = 4 * 60


@shared_task(name="messaging.outbox_dispatch", soft_time_limit=10 * 60, time_limit=12 * 60)
@with_shop_scope(atomic=False)
def outbox_dispatch_task(shop_id: int) -> dict:
    """Safe to run twice or at once: each message is claimed by one round only."""
    from messaging.services.dispatch import outbox_dispatch

    return outbox_dispatch(Shop.objects.get(pk=shop_id), now=timezone.now(), time_budget=ROUND_SECONDS)


@shared_task(name="messaging.outbox_dispatch_every_shop")
def outbox_dispatch_every_shop_task() -> int:
    """Beat entry point (every minute): one dispatch task per shop; returns how many."""
    shop_ids = list(Shop.objects.order_by("pk").values_list("pk", flat=True))
    for shop_id in shop_ids:
        outbox_dispatch_task.delay(shop_id)
    return len(shop_ids)
