"""Price protection (价格保护): when a SKU's price drops within the shop's window (7, 15 or 30
days) after a customer's paid order of it, the customer gets the difference × quantity
back, as a refund (the orders app's refund service) or a coupon worth it.

- Reports: `price_reports_record` stores each (SKU, effective_at) once; the same report
  sent again creates nothing, so it pays nothing again.
- Claims: automatic (each new report creates and pays its claims at once) or on request
  (`price_claim_request`, for shops that want customers to ask). A claim starts from the
  lowest price already claimed for that order line, so a later, deeper drop pays only the
  further difference, and is unique per (order, SKU, report). The order row is locked while
  a claim is worked out, so two reports for one order take turns.
- The customer is told through the messaging outbox (purpose service: it is about their
  own order), by SMS when they have a phone, else by email.
- An order counts as paid when its status is a paid one; it was paid at `paid_at`, or at
  `placed_at` for storefronts that do not report payment times.
- Lines that were refunded (a refund line of that SKU), and orders refunded in full or
  never paid, get no claim.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Min
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import (
    Campaign,
    CampaignStatus,
    ClaimMode,
    ClaimPayout,
    ClaimStatus,
    Coupon,
    CouponSource,
    DiscountType,
    PriceClaim,
    PriceProtectionSetting,
    PriceReport,
)
from campaigns.services.coupons import coupon_code_new
from crm.models import Shop, User
from crm.shops.audit import audit_event_record
from customers.models import Customer
from messaging.models import Channel, Purpose
from messaging.services.outbox import message_enqueue
from orders.currencies import ISO_4217_CODES
from orders.models import Order, OrderLine, OrderStatus, RefundLine
from orders.services import OrderStateError, RefundInvalid, refund_create
from orders.validation import datetime_parse, money_parse

MAX_REPORTS = 500
PROTECTED_STATUSES = (
    OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.PARTIALLY_REFUNDED,
)  # fmt: skip
PAYOUT_CAMPAIGN_NAME = "价格保护 / Price protection"
CLAIM_SUBJECT = {"zh-hans": "价格保护补差", "en": "Price protection"}
CLAIM_BODY = {
    ClaimPayout.REFUND: {
        "zh-hans": "{customer_name}，您订单{order_number}中的商品降价了，我们已按价格保护退还差价{amount}元。",
        "en": "{customer_name}, an item of your order {order_number} got cheaper: we refunded the "
        "difference, {amount}.",
    },
    ClaimPayout.COUPON: {
        "zh-hans": "{customer_name}，您订单{order_number}中的商品降价了，价格保护补差{amount}元优惠券：{coupon_code}。",
        "en": "{customer_name}, an item of your order {order_number} got cheaper: here is a coupon for the "
        "difference, {amount}: {coupon_code}.",
    },
}


class PriceReportInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid price reports")
        self.errors = errors


@dataclass(frozen=True)
class ReportResult:
    reports_created: int
    reports_unchanged: int
    claims: list[PriceClaim]


def price_protection_setting_get(*, shop: Shop) -> PriceProtectionSetting:
    """The shop's rules (an unsaved, disabled default when it has none)."""
    return PriceProtectionSetting.objects.first() or PriceProtectionSetting(shop_id=shop.pk)


@transaction.atomic
def price_protection_setting_update(*, shop: Shop, updated_by: User | None, **fields) -> PriceProtectionSetting:
    setting = price_protection_setting_get(shop=shop)
    for name, value in fields.items():
        setattr(setting, name, value)
    setting.updated_by, setting.updated_at = updated_by, timezone.now()
    setting.full_clean(exclude=["shop", "updated_by"])
    setting.save()
    audit_event_record(action="price_protection.settings", obj=setting, changes={k: str(v) for k, v in fields.items()})
    return setting


def _reports_clean(items, tz) -> list[dict]:
    if not isinstance(items, list) or not 0 < len(items) <= MAX_REPORTS:
        raise PriceReportInvalid({"prices": [_("Must be a list of 1 to %(limit)d prices.") % {"limit": MAX_REPORTS}]})
    errors, reports = {}, []
    for index, item in enumerate(items):
        item = item if isinstance(item, dict) else {}
        sku = item.get("sku")
        if not isinstance(sku, str) or not sku.strip() or len(sku) > 64:
            errors[f"prices.{index}.sku"] = [_("Required: at most 64 characters.")]
        try:
            price = money_parse(item.get("price"))
        except ValueError as error:
            errors[f"prices.{index}.price"] = [str(error)]
        currency = item.get("currency").strip().upper() if isinstance(item.get("currency"), str) else ""
        if currency not in ISO_4217_CODES:
            errors[f"prices.{index}.currency"] = [_("Unknown currency: use an ISO 4217 code such as CNY.")]
        try:
            effective_at = datetime_parse(item.get("effective_at"), tz)
        except ValueError:
            errors[f"prices.{index}.effective_at"] = [_("Not a date and time: use ISO 8601.")]
        if not errors:
            reports.append({"sku": sku.strip(), "price": price, "currency": currency, "effective_at": effective_at})
    if errors:
        raise PriceReportInvalid(errors)
    return reports


@transaction.atomic
def price_reports_record(*, shop: Shop, items) -> ReportResult:
    """Store the storefront's price changes; with automatic claims, create and pay the claims
    the new ones give rise to."""
    setting = price_protection_setting_get(shop=shop)
    created, claims = [], []
    for report in _reports_clean(items, shop.tzinfo):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO campaigns_pricereport (shop_id, sku, price, currency, effective_at, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (shop_id, sku, effective_at) DO NOTHING RETURNING id",
                [shop.pk, report["sku"], report["price"], report["currency"], report["effective_at"], timezone.now()],
            )
            row = cursor.fetchone()
        if row is not None:
            created.append(row[0])
    if setting.is_enabled and setting.mode == ClaimMode.AUTOMATIC:
        for report in PriceReport.objects.filter(pk__in=created).order_by("effective_at", "pk"):
            claims.extend(_claims_for_report(shop, setting, report))
    return ReportResult(len(created), len(items) - len(created), claims)


def _protected_order_ids(setting: PriceProtectionSetting, report: PriceReport) -> list[int]:
    """Orders paid within the window before the new price took effect, with the SKU above it."""
    window_start = report.effective_at - timedelta(days=setting.window_days)
    lines = OrderLine.objects.annotate(paid_at=Coalesce("order__paid_at", "order__placed_at")).filter(
        sku=report.sku,
        order__currency=report.currency,
        order__status__in=PROTECTED_STATUSES,
        paid_at__gte=window_start,
        paid_at__lte=report.effective_at,
        unit_price__gt=report.price,
    )
    return sorted(set(lines.values_list("order_id", flat=True)))


def _claims_for_report(shop: Shop, setting: PriceProtectionSetting, report: PriceReport) -> list[PriceClaim]:
    claims = []
    for order_id in _protected_order_ids(setting, report):
        claim = _claim_create(shop, setting, report, order_id)
        if claim is not None:
            claims.append(claim)
    return claims


def _claim_create(shop: Shop, setting: PriceProtectionSetting, report: PriceReport, order_id: int) -> PriceClaim | None:
    """The claim of one order's line for this report, paid; None when nothing is owed."""
    order = Order.objects.select_for_update().get(pk=order_id)
    lines = OrderLine.objects.filter(order=order, sku=report.sku)
    quantity = sum(line.quantity for line in lines)
    if not quantity or RefundLine.objects.filter(refund__order=order, sku=report.sku).exists():
        return None
    if PriceClaim.objects.filter(order=order, sku=report.sku, report=report).exists():
        return None
    paid = min(line.unit_price for line in lines)
    claimed = PriceClaim.objects.filter(order=order, sku=report.sku, status=ClaimStatus.PAID).aggregate(
        lowest=Min("price_after")
    )["lowest"]
    price_before = min(paid, claimed) if claimed is not None else paid
    if report.price >= price_before:
        return None
    claim = PriceClaim(
        shop_id=shop.pk, customer_id=order.customer_id, order=order, report=report, sku=report.sku, quantity=quantity,
        price_before=price_before, price_after=report.price, amount=(price_before - report.price) * quantity,
        currency=report.currency, payout=setting.payout, status=ClaimStatus.PAID,
    )  # fmt: skip
    _pay(shop, claim, order)
    claim.save()
    if claim.status == ClaimStatus.PAID:
        _claim_message_enqueue(shop, claim, order)
    audit_event_record(action="price_protection.claim", obj=claim, changes={"amount": str(claim.amount)})
    return claim


def _pay(shop: Shop, claim: PriceClaim, order: Order) -> None:
    """Pay the claim by the shop's payout; a refund the order cannot take leaves it unpaid, with why."""
    if claim.payout == ClaimPayout.COUPON:
        claim.coupon = Coupon.objects.create(
            shop_id=shop.pk, campaign=_payout_campaign(shop, claim.currency), customer_id=claim.customer_id,
            code=coupon_code_new(), source=CouponSource.DIRECT, amount=claim.amount,
            reason=f"price_protection:{order.external_id}:{claim.sku}",
        )  # fmt: skip
        return
    reason = _("Price protection for %(sku)s") % {"sku": claim.sku}
    try:
        claim.refund_id = refund_create(
            shop=shop, order_id=order.pk, data={"amount": str(claim.amount), "reason": reason}
        ).pk
    except (OrderStateError, RefundInvalid) as error:
        claim.status = ClaimStatus.FAILED
        claim.failure_reason = str(getattr(error, "errors", error))[:300]


def _claim_message_enqueue(shop: Shop, claim: PriceClaim, order: Order) -> None:
    customer = Customer.objects.get(pk=claim.customer_id)
    channel = Channel.SMS if customer.phone else Channel.EMAIL if customer.email else None
    if channel is None:
        return
    message_enqueue(
        shop=shop, customer=customer, rule="campaigns.price_protection", occasion=f"claim:{claim.pk}", channel=channel,
        purpose=Purpose.SERVICE, subject=CLAIM_SUBJECT, body=CLAIM_BODY[claim.payout],
        variables={"order_number": order.external_id, "amount": claim.amount,
                   "coupon_code": claim.coupon.code if claim.coupon else ""},
    )  # fmt: skip


def _payout_campaign(shop: Shop, currency: str) -> Campaign:
    """The shop's running campaign that holds price-protection coupons (one per currency)."""
    campaign = Campaign.objects.filter(name=PAYOUT_CAMPAIGN_NAME, currency=currency).first()
    if campaign is None:
        now = timezone.now()
        campaign = Campaign.objects.create(
            shop_id=shop.pk, name=PAYOUT_CAMPAIGN_NAME, status=CampaignStatus.RUNNING, currency=currency,
            discount_type=DiscountType.FIXED, holdout_percent=0, per_customer_limit=1, launched_at=now,
        )  # fmt: skip
    return campaign


@transaction.atomic
def price_claim_request(*, shop: Shop, order: Order, sku: str) -> PriceClaim | None:
    """A customer asks: the claim for the lowest price reported for the SKU within the window
    after the order was paid, paid at once; None when nothing is owed."""
    setting = price_protection_setting_get(shop=shop)
    if not setting.is_enabled or order.status not in PROTECTED_STATUSES:
        return None
    paid_at = order.paid_at or order.placed_at
    window_end: datetime = min(paid_at + timedelta(days=setting.window_days), timezone.now())
    report = (
        PriceReport.objects.filter(
            sku=sku, currency=order.currency, effective_at__gte=paid_at, effective_at__lte=window_end
        )
        .order_by("price", "effective_at")
        .first()
    )
    if report is None:
        return None
    return _claim_create(shop, setting, report, order.pk)
