"""The demo shop's coupon campaign and price protection, for `manage.py seed_demo`: a running
churn-care campaign with its frozen audience, a few redemptions, and one price-protection
claim. Written through the services the pages and API use; a no-op once seeded."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from campaigns.forms import CHURN_CARE_PRESET
from campaigns.models import Campaign, CouponIssueJob, PriceClaim
from campaigns.services.coupons import campaign_create, campaign_launch, coupon_issue_run
from campaigns.services.price_protection import price_protection_setting_update, price_reports_record
from campaigns.services.redemption import CouponRefused, CouponRequest, coupon_redeem
from crm.models import Shop
from crm.tenancy.context import require_shop_id
from orders.models import ChangeSource, OrderLine, OrderStatus
from orders.services import orders_ingest_bulk

DEMO_NAME = "流失关怀：想念您的老朋友"
REDEMPTIONS = 12


def demo_campaign_seed(*, shop: Shop) -> None:
    assert shop.pk == require_shop_id(), "seed in the scope of the shop it names"
    if Campaign.objects.filter(name=DEMO_NAME).exists():
        return
    preset = CHURN_CARE_PRESET
    data = {
        "name": DEMO_NAME,
        "discount": {"type": preset["discount_type"], "amount": preset["discount_amount"]},
        "min_spend": preset["min_spend"],
        "valid_days": preset["valid_days"],
        # Spend rather than segments: the demo's first scoring run may not have finished.
        "audience": {"total_spent_min": "500"},
        "holdout_percent": preset["holdout_percent"],
        "message_channel": preset["message_channel"],
        "message_body": "{customer_name}，好久不见！送您{amount}元回归券：{coupon_code}",
    }
    campaign = campaign_create(shop=shop, data=data)
    campaign_launch(shop=shop, campaign_id=campaign.pk)
    coupon_issue_run(shop_id=shop.pk, job_id=CouponIssueJob.objects.get(campaign=campaign).pk)
    _demo_redemptions(shop, Campaign.objects.get(pk=campaign.pk))
    _demo_price_claim(shop)


def _demo_redemptions(shop: Shop, campaign: Campaign) -> None:
    # Each redemption comes with its paid order, placed after the launch, so the results and the
    # uplift against the holdout count these customers as buyers.
    targeted = campaign.coupons.filter(is_holdout=False, customer__phone__isnull=False).select_related("customer")
    for index, coupon in enumerate(targeted.order_by("pk")[:REDEMPTIONS]):
        request = CouponRequest(
            code=coupon.code, customer={"phone": coupon.customer.phone}, order_total=Decimal("268.00"),
            currency=campaign.currency, order_external_id=f"DEMO-CARE-{index + 1}",
        )  # fmt: skip
        try:
            redemption, _created = coupon_redeem(shop=shop, request=request)
        except CouponRefused:
            continue
        orders_ingest_bulk(shop=shop, items=[_demo_order(request, coupon.customer.phone, redemption.discount)],
                           source=ChangeSource.DEMO)  # fmt: skip


def _demo_order(request: CouponRequest, phone: str, discount: Decimal) -> dict:
    return {
        "external_id": request.order_external_id, "channel": "web", "status": OrderStatus.PAID,
        "placed_at": timezone.now().isoformat(), "currency": request.currency, "customer": {"phone": phone},
        "coupon_code": request.code,
        "lines": [{"sku": "TEA-GIFT-268", "name": "凤凰单丛礼盒", "category": "茶叶", "quantity": 1,
                   "unit_price": "268.00"}],
        "subtotal": "268.00", "discount": str(discount), "shipping": "0.00",
        "total": str(request.order_total - discount),
    }  # fmt: skip


def _demo_price_claim(shop: Shop) -> None:
    """A price drop a few days after the newest paid order of a product: one claim, paid as a coupon."""
    price_protection_setting_update(shop=shop, updated_by=None, is_enabled=True, window_days=15, payout="coupon")
    line = (
        OrderLine.objects.filter(order__status__in=OrderStatus.counted())
        .exclude(order__status=OrderStatus.PARTIALLY_REFUNDED)
        .select_related("order")
        .order_by("-order__placed_at")
        .first()
    )
    if line is None or PriceClaim.objects.exists():
        return
    effective_at = min((line.order.paid_at or line.order.placed_at) + timedelta(days=3), timezone.now())
    new_price = (line.unit_price * Decimal("0.8")).quantize(Decimal("0.01"))
    report = {"sku": line.sku, "price": str(new_price), "currency": line.order.currency,
              "effective_at": effective_at.isoformat()}  # fmt: skip
    price_reports_record(shop=shop, items=[report])
