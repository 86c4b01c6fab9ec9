"""Celery tasks of campaigns/: thin adapters around one service each, routed to the messaging
queue by name (CELERY_TASK_ROUTES "campaigns.*")."""

from celery import shared_task
from django.utils import timezone

from campaigns.services.coupons import coupon_issue_run
from crm.models import Shop
from crm.tenancy.tasks import with_shop_scope


@shared_task(name="campaigns.coupon_issue")
@with_shop_scope(atomic=False)
def coupon_issue_task(shop_id: int, job_id: int) -> None:
    """Freeze a launched campaign's audience and issue its coupons; safe to run twice."""
    coupon_issue_run(shop_id=shop_id, job_id=job_id)


@shared_task(name="campaigns.care_round")
@with_shop_scope(atomic=False)
def care_round_task(shop_id: int) -> dict:
    """One shop's round with the real clock. Safe to run twice or at once: rules are claimed
    per scan, the outbox keeps one row per occasion, and messaging claims rows to send."""
    from campaigns.services.care_messages import care_round_run

    return care_round_run(shop=Shop.objects.get(pk=shop_id), at=timezone.now())


@shared_task(name="campaigns.care_round_dispatch")
def care_round_dispatch_task() -> int:
    """Beat entry point: one round task per shop; returns how many were sent off."""
    shop_ids = list(Shop.objects.values_list("pk", flat=True))
    for shop_id in shop_ids:
        care_round_task.delay(shop_id)
    return len(shop_ids)
