"""Campaigns for coupon tests: created, launched and issued through the services."""

from campaigns.models import Campaign, CouponIssueJob
from campaigns.services.coupons import campaign_create, campaign_launch, coupon_issue_run
from crm.tenancy.context import shop_scope

FIXED_20 = {"type": "fixed", "amount": "20.00"}


def campaign_data(**changes) -> dict:
    return {"name": "双十一回馈", "discount": FIXED_20, "currency": "CNY", **changes}


def launched_campaign(shop, **changes) -> Campaign:
    """A running campaign; with an audience, its issue job has run."""
    with shop_scope(shop.pk):
        campaign = campaign_create(shop=shop, data=campaign_data(**changes))
        campaign = campaign_launch(shop=shop, campaign_id=campaign.pk)
        job = CouponIssueJob.objects.filter(campaign=campaign).first()
    if job is not None:
        coupon_issue_run(shop_id=shop.pk, job_id=job.pk)
    with shop_scope(shop.pk):
        return Campaign.objects.get(pk=campaign.pk)


def coupon_body(code: str, customer: dict, total: str = "100.00", **changes) -> dict:
    return {"code": code, "customer": customer, "order_total": total, "currency": "CNY", **changes}
