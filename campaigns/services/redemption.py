"""Validating, redeeming and releasing coupon codes for the storefront.

Reasons, in the order they are checked (docs/campaigns.md): until a code is shown usable by
this customer only `not_found`, `expired` or `usage_limit_reached` (a unique code that is
not the customer's, or a campaign that is not running, is `not_found`: nobody learns that
another shop's or customer's code exists); then `min_spend_not_met`,
`per_customer_limit_reached`, `not_eligible`, `currency_mismatch`.

Redeeming is one transaction: the customer's coupon row is locked first (the per-customer
counter, and what makes a retry for the same order see the first answer), then the
campaign's counters move by a conditional UPDATE (`used_count < usage_limit`,
`spent + discount <= budget`), and the redemption row, unique per (code, order), goes in.
Release takes the same locks in the same order and gives the use back once.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from campaigns.models import (
    Campaign,
    CampaignStatus,
    Coupon,
    CouponSource,
    DiscountType,
    Redemption,
    RedemptionStatus,
)
from campaigns.services.audience import audience_contains
from crm.models import Shop
from customers.identity import customer_resolve
from customers.models import Customer, CustomerChannelId
from orders.models import Order, OrderStatus

CENT = Decimal("0.01")
NOT_FOUND, EXPIRED, USAGE_LIMIT_REACHED = "not_found", "expired", "usage_limit_reached"
MIN_SPEND_NOT_MET, PER_CUSTOMER_LIMIT_REACHED = "min_spend_not_met", "per_customer_limit_reached"
NOT_ELIGIBLE, CURRENCY_MISMATCH = "not_eligible", "currency_mismatch"
REASONS = (
    NOT_FOUND, EXPIRED, USAGE_LIMIT_REACHED, MIN_SPEND_NOT_MET, PER_CUSTOMER_LIMIT_REACHED, NOT_ELIGIBLE,
    CURRENCY_MISMATCH,
)  # fmt: skip


class CouponRefused(Exception):
    """The code does not apply; `reason` is one of REASONS."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CouponRequest:
    code: str
    customer: dict  # {"external_id", "phone", "email"}, normalized by the API
    order_total: Decimal
    currency: str
    shipping: Decimal = Decimal("0")
    order_external_id: str = ""


def discount_for(campaign: Campaign, coupon: Coupon | None, request: CouponRequest) -> Decimal:
    """The discount on this order, never more than the order's total."""
    if coupon is not None and coupon.amount is not None:
        discount = coupon.amount
    elif campaign.discount_type == DiscountType.FIXED:
        discount = campaign.discount_amount
    elif campaign.discount_type == DiscountType.PERCENT:
        discount = (request.order_total * campaign.discount_percent / 100).quantize(CENT, ROUND_HALF_UP)
        if campaign.discount_cap is not None:
            discount = min(discount, campaign.discount_cap)
    else:
        discount = request.shipping
    return min(discount, request.order_total)


def _customer_find(customer: dict) -> Customer | None:
    """The live customer with this storefront id, phone or email (in that order); None if new."""
    live = Customer.objects.filter(merged_into__isnull=True)
    if customer.get("external_id"):
        match = CustomerChannelId.objects.filter(external_id=customer["external_id"]).values("customer_id")[:1]
        found = live.filter(pk__in=match).first()
        if found is not None:
            return found
    for field in ("phone", "email"):
        if customer.get(field) and (found := live.filter(**{field: customer[field]}).first()) is not None:
            return found
    return None


def _code_find(code: str, *, lock: bool = False) -> tuple[Campaign, Coupon | None]:
    """The running campaign a code belongs to, and the unique coupon it is (None: a shared
    code), that coupon's row locked when `lock`."""
    normalized = code.strip().upper()
    coupons = Coupon.objects.select_related("campaign").filter(code=normalized)
    coupon = (coupons.select_for_update(of=("self",)) if lock else coupons).first()
    campaign = coupon.campaign if coupon is not None else Campaign.objects.filter(shared_code=normalized).first()
    if campaign is None or campaign.status != CampaignStatus.RUNNING:
        raise CouponRefused(NOT_FOUND)
    return campaign, coupon


def _check(
    campaign: Campaign,
    coupon: Coupon | None,
    holding: Coupon | None,
    customer: Customer | None,
    request: CouponRequest,
    *,
    now,
) -> None:
    """Raise the first reason the code does not apply to this customer and order. `coupon` is
    the unique coupon the code names (None for a shared code), `holding` the customer's row
    in the campaign, if any."""
    if coupon is not None and (customer is None or coupon.customer_id != customer.pk):
        raise CouponRefused(NOT_FOUND)
    expires_at = holding.expires_at if holding is not None and holding.expires_at else campaign.valid_until
    if (campaign.valid_from and now < campaign.valid_from) or (expires_at and now >= expires_at):
        raise CouponRefused(EXPIRED)
    if (campaign.usage_limit is not None and campaign.used_count >= campaign.usage_limit) or (
        campaign.budget is not None and campaign.spent >= campaign.budget
    ):
        raise CouponRefused(USAGE_LIMIT_REACHED)
    if request.order_total < campaign.min_spend:
        raise CouponRefused(MIN_SPEND_NOT_MET)
    if holding is not None and holding.used_count >= campaign.per_customer_limit:
        raise CouponRefused(PER_CUSTOMER_LIMIT_REACHED)
    if coupon is None and campaign.audience and not _eligible(campaign, customer):
        raise CouponRefused(NOT_ELIGIBLE)
    if request.currency != campaign.currency:
        raise CouponRefused(CURRENCY_MISMATCH)


def _shared_holding(campaign: Campaign, customer: Customer) -> Coupon | None:
    return Coupon.objects.filter(campaign=campaign, customer=customer).first()


def _eligible(campaign: Campaign, customer: Customer | None) -> bool:
    """A shared code with an audience: for the frozen audience (held-out customers included,
    so that their use is counted), or before the snapshot for whoever the audience names."""
    if customer is None:
        return False
    if campaign.audience_frozen_at is not None:
        return Coupon.objects.filter(campaign=campaign, customer=customer, source=CouponSource.AUDIENCE).exists()
    return audience_contains(shop=campaign.shop, audience=campaign.audience, customer_id=customer.pk)


def coupon_validate(*, shop: Shop, request: CouponRequest) -> Decimal:
    """The discount the code would give this order now; CouponRefused with the reason otherwise."""
    campaign, coupon = _code_find(request.code)
    customer = _customer_find(request.customer)
    holding = coupon or (_shared_holding(campaign, customer) if customer is not None else None)
    _check(campaign, coupon, holding, customer, request, now=timezone.now())
    return discount_for(campaign, coupon, request)


@transaction.atomic
def coupon_redeem(*, shop: Shop, request: CouponRequest) -> tuple[Redemption, bool]:
    """Use the code for the order: (redemption, created). Redeeming the same code for the
    same order again returns the first redemption; CouponRefused otherwise."""
    campaign, coupon = _code_find(request.code, lock=True)
    customer = _customer_find(request.customer)
    if coupon is None and customer is None:
        customer = customer_resolve(shop=shop, channel="web", **request.customer)
    holding = _holding_locked(campaign, coupon, customer)
    previous = Redemption.objects.filter(code=_code_of(campaign, holding), order_external_id=request.order_external_id)
    if (redemption := previous.first()) is not None and redemption.status == RedemptionStatus.ACTIVE:
        return redemption, False
    if _is_counted(campaign):
        campaign.refresh_from_db(fields=["used_count", "spent"])
    _check(campaign, coupon, holding, customer, request, now=timezone.now())
    discount = discount_for(campaign, coupon, request)
    if not _counters_take(campaign, holding, discount):
        raise CouponRefused(USAGE_LIMIT_REACHED)
    return _redemption_record(campaign, holding, request, discount, redemption), True


def _code_of(campaign: Campaign, coupon: Coupon) -> str:
    return coupon.code or campaign.shared_code


def _holding_locked(campaign: Campaign, coupon: Coupon | None, customer: Customer | None) -> Coupon:
    """The customer's coupon row, locked (a unique coupon is, by `_code_find`); a shared code's
    first use by a customer creates it."""
    if coupon is None:
        if customer is None:
            raise CouponRefused(NOT_FOUND)
        Coupon.objects.bulk_create(
            [Coupon(shop_id=campaign.shop_id, campaign=campaign, customer=customer, source=CouponSource.SHARED_CODE)],
            ignore_conflicts=True,
        )
        return Coupon.objects.select_for_update().get(campaign=campaign, customer=customer)
    if customer is None or coupon.customer_id != customer.pk:
        raise CouponRefused(NOT_FOUND)
    return coupon


def _is_counted(campaign: Campaign) -> bool:
    """Only a campaign with a usage limit or a budget keeps counters on its row: the others
    need no lock shared by all their redemptions (results count the redemption rows)."""
    return campaign.usage_limit is not None or campaign.budget is not None


def _counters_take(campaign: Campaign, coupon: Coupon, discount: Decimal) -> bool:
    """Count the use on the coupon (under its lock) and, within the limit and budget, on the
    campaign, in one conditional UPDATE: no row back means the limit or budget is used up."""
    if _is_counted(campaign):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE campaigns_campaign SET used_count = used_count + 1, spent = spent + %(discount)s "
                "WHERE shop_id = %(shop)s AND id = %(id)s "
                "AND (usage_limit IS NULL OR used_count < usage_limit) "
                "AND (budget IS NULL OR spent + %(discount)s <= budget) RETURNING id",
                {"discount": discount, "shop": campaign.shop_id, "id": campaign.pk},
            )
            if cursor.fetchone() is None:
                return False
    Coupon.objects.filter(pk=coupon.pk).update(used_count=F("used_count") + 1)
    return True


def _redemption_record(campaign, coupon, request: CouponRequest, discount, previous: Redemption | None) -> Redemption:
    fields = {"order_total": request.order_total, "discount": discount, "status": RedemptionStatus.ACTIVE,
              "created_at": timezone.now(), "released_at": None}  # fmt: skip
    if previous is not None:  # released earlier, used again for the same order
        Redemption.objects.filter(pk=previous.pk).update(**fields)
        previous.refresh_from_db()
        return previous
    return Redemption.objects.create(
        shop_id=campaign.shop_id, campaign=campaign, coupon=coupon, customer_id=coupon.customer_id,
        code=_code_of(campaign, coupon), order_external_id=request.order_external_id, **fields,
    )  # fmt: skip


@transaction.atomic
def coupon_release(*, shop: Shop, code: str, order_external_id: str) -> Redemption | None:
    """Give the use of `code` by this order back; None when there is no such use (a second
    release, an unknown code or another shop's: the same answer)."""
    found = Redemption.objects.filter(
        code=code.strip().upper(), order_external_id=order_external_id, status=RedemptionStatus.ACTIVE
    ).values_list("pk", flat=True)
    released = redemptions_release(shop=shop, redemption_ids=list(found))
    return released[0] if released else None


def redemptions_release(*, shop: Shop, redemption_ids: list[int]) -> list[Redemption]:
    """Release these redemptions (those still active), each under its coupon's lock, taken
    in the order redeeming takes it (coupon, then campaign)."""
    released = []
    rows = Redemption.objects.filter(pk__in=redemption_ids).order_by("coupon_id").values_list("pk", "coupon_id")
    for redemption_id, coupon_id in rows:
        Coupon.objects.select_for_update().get(pk=coupon_id)
        redemption = Redemption.objects.filter(pk=redemption_id, status=RedemptionStatus.ACTIVE).first()
        if redemption is None:
            continue  # released meanwhile by another path
        redemption.status, redemption.released_at = RedemptionStatus.RELEASED, timezone.now()
        redemption.save(update_fields=["status", "released_at"])
        Coupon.objects.filter(pk=coupon_id).update(used_count=F("used_count") - 1)
        campaign = Campaign.objects.get(pk=redemption.campaign_id)
        if _is_counted(campaign):
            Campaign.objects.filter(pk=campaign.pk).update(
                used_count=F("used_count") - 1, spent=F("spent") - redemption.discount
            )
        released.append(redemption)
    return released


def coupons_on_order_changes(shop: Shop, changes) -> None:
    """Order-change handler: an order cancelled before payment, or refunded in full, gives
    its coupon uses back; a partial refund keeps them."""
    order_ids = [
        change.order_id
        for change in changes
        if change.to_status == OrderStatus.REFUNDED
        or (change.to_status == OrderStatus.CANCELLED and change.from_status in ("", OrderStatus.PENDING))
    ]
    if not order_ids:
        return
    external_ids = Order.objects.filter(pk__in=order_ids).values_list("external_id", flat=True)
    active = Redemption.objects.filter(order_external_id__in=list(external_ids), status=RedemptionStatus.ACTIVE)
    redemptions_release(shop=shop, redemption_ids=list(active.values_list("pk", flat=True)))
