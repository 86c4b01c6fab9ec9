"""Celery tasks of campaigns/: thin adapters around one service each."""

from celery import shared_task

from campaigns.services.coupons import coupon_issue_run
from crm.tenancy.tasks import with_shop_scope


@shared_task(name="campaigns.coupon_issue")
@with_shop_scope(atomic=False)
def coupon_issue_task(shop_id: int, job_id: int) -> None:
    """Freeze a launched campaign's audience and issue its coupons; safe to run twice."""
    coupon_issue_run(shop_id=shop_id, job_id=job_id)
