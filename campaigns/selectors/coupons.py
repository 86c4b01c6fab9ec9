"""Reads of coupon campaigns: lists, one campaign's results against its holdout, the
coupons of a customer."""

from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from campaigns.holdout import uplift_interval
from campaigns.models import Campaign, CampaignStatus, Coupon, CouponIssueJob, CouponSource, Redemption
from campaigns.models import RedemptionStatus as RS
from crm.models import Shop
from crm.platform.jobs import job_progress_get
from crm.tenancy.access import get_for_shop
from orders.models import Order, OrderStatus

CUSTOMER_COUPONS = 20


def campaign_get(*, shop: Shop, campaign_id) -> Campaign:
    """The shop's campaign; another shop's or a missing id is the same 404."""
    return get_for_shop(Campaign, pk=campaign_id)


def campaign_list(*, shop: Shop) -> QuerySet[Campaign]:
    return Campaign.objects.order_by("-created_at", "-pk")


def campaign_coupons(*, campaign: Campaign) -> QuerySet[Coupon]:
    """The coupons the campaign gave (held-out rows are not coupons), with their customers."""
    return Coupon.objects.filter(campaign=campaign, is_holdout=False).select_related("customer")


def _buyers_since(coupons: QuerySet[Coupon], since) -> QuerySet[Coupon]:
    bought = Order.objects.filter(
        customer_id=OuterRef("customer_id"), status__in=OrderStatus.counted(), placed_at__gte=since
    )
    return coupons.filter(Exists(bought))


def holdout_comparison(*, campaign: Campaign) -> dict[str, Any] | None:
    """Buyers since the audience was frozen, targeted vs held out, with the uplift's 95%
    interval (campaigns/holdout.py); None before the snapshot or without a holdout."""
    if campaign.audience_frozen_at is None:
        return None
    audience = Coupon.objects.filter(campaign=campaign, source=CouponSource.AUDIENCE)
    groups = audience.aggregate(
        treated=Count("pk", filter=Q(is_holdout=False)), holdout=Count("pk", filter=Q(is_holdout=True))
    )
    buyers = _buyers_since(audience, campaign.audience_frozen_at).aggregate(
        treated=Count("pk", filter=Q(is_holdout=False)), holdout=Count("pk", filter=Q(is_holdout=True))
    )
    uplift = uplift_interval(buyers["treated"], groups["treated"], buyers["holdout"], groups["holdout"])
    return {
        "treated": groups["treated"],
        "treated_buyers": buyers["treated"],
        "holdout": groups["holdout"],
        "holdout_buyers": buyers["holdout"],
        # Held-out customers who used the shared code anyway: counted, and their buys stay in the holdout.
        "holdout_redeemed": audience.filter(is_holdout=True, used_count__gt=0).count(),
        "uplift": None if uplift is None else {
            "treated_rate": uplift.treated_rate, "holdout_rate": uplift.holdout_rate,
            "difference": uplift.difference, "lower": uplift.lower, "upper": uplift.upper,
            "method": "newcombe_hybrid_score_95",
        },
    }  # fmt: skip


def campaign_results(*, campaign: Campaign) -> dict[str, Any]:
    """Issued, redeemed, revenue and cost (uses that hold: released ones are out), and the holdout."""
    issued = Coupon.objects.filter(campaign=campaign, is_holdout=False).exclude(source=CouponSource.SHARED_CODE)
    used = Redemption.objects.filter(campaign=campaign, status=RS.ACTIVE).aggregate(
        redeemed=Count("pk"),
        revenue=Sum("order_total"),
        cost=Sum("discount"),
        customers=Count("customer", distinct=True),
    )
    issued_count = issued.count()
    return {
        "issued": issued_count,
        "redeemed": used["redeemed"],
        "customers_redeemed": used["customers"],
        "redemption_rate": used["redeemed"] / issued_count if issued_count else None,
        "attributed_revenue": used["revenue"] or Decimal("0.00"),
        "cost": used["cost"] or Decimal("0.00"),
        "holdout": holdout_comparison(campaign=campaign),
    }


def campaign_issue_progress(*, campaign: Campaign) -> dict[str, Any] | None:
    """The newest issue job and its live progress ({"processed", "total"}), or None."""
    job = CouponIssueJob.objects.filter(campaign=campaign).order_by("-pk").first()
    if job is None:
        return None
    progress = job_progress_get(CouponIssueJob, shop_id=job.shop_id, job_id=job.pk) or {"processed": 0, "total": 0}
    if job.is_finished:
        progress = {"processed": job.targeted + job.held_out, "total": job.targeted + job.held_out}
    percent = (
        round(100 * progress["processed"] / progress["total"]) if progress["total"] else (100 if job.is_finished else 0)
    )
    return {"job": job, "progress": progress, "percent": percent}


def customer_coupons_section(*, shop: Shop, customer) -> list[Coupon]:
    """The 360 page's coupons: the customer's newest coupons, held-out rows left out."""
    return list(
        Coupon.objects.filter(customer=customer, is_holdout=False)
        .select_related("campaign")
        .order_by("-issued_at", "-pk")[:CUSTOMER_COUPONS]
    )


def customer_coupons_json(coupons: list[Coupon]) -> list[dict[str, Any]]:
    return [
        {"id": coupon.pk, "campaign": coupon.campaign.name, "code": coupon.code or coupon.campaign.shared_code,
         "used_count": coupon.used_count, "issued_at": coupon.issued_at.isoformat()}
        for coupon in coupons
    ]  # fmt: skip


OVERVIEW_CAMPAIGNS = 6


def overview_campaigns_running(shop: Shop) -> dict[str, Any]:
    """The shop overview's panel: how many campaigns run, the newest with their uses so far."""
    running = Campaign.objects.filter(status=CampaignStatus.RUNNING)
    campaigns = list(running.order_by("-launched_at", "-pk")[:OVERVIEW_CAMPAIGNS])
    uses = {
        row["campaign_id"]: row
        for row in Redemption.objects.filter(campaign__in=campaigns, status=RS.ACTIVE)
        .values("campaign_id")
        .annotate(redeemed=Count("pk"), cost=Sum("discount"))
    }
    for campaign in campaigns:
        campaign.redeemed = uses.get(campaign.pk, {}).get("redeemed", 0)
        campaign.cost = uses.get(campaign.pk, {}).get("cost") or Decimal("0.00")
    return {"count": running.count(), "campaigns": campaigns}
