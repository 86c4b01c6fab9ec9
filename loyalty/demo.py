"""The demo shop's loyalty program: on, with its two years of orders earned month by month
(so old points expired and recent ones are still pending), points spent, refunds taken back
(one of them on an order paid with points, whose points come back), a staff adjustment, and
customers in every tier from 注册会员 up."""

from datetime import datetime

from django.db.models import Sum
from django.utils import timezone

from crm.models import Shop
from customers.models import Customer
from loyalty.models import LedgerEntry
from loyalty.rules import add_months
from loyalty.selectors import customer_loyalty, program_get
from loyalty.services import loyalty_settle, order_changes_apply, points_adjust, points_redeem, program_update
from orders.events import OrderChange
from orders.models import ChangeSource, Order, OrderStatus, Refund

REDEEMERS = 12


def demo_loyalty_seed(*, shop: Shop) -> int:
    """Idempotent: a shop that has any loyalty entry is left as it is. Returns the entries made."""
    if LedgerEntry.objects.exists():
        return 0
    if not program_get(shop=shop).is_enabled:
        program_update(shop=shop, data={"is_enabled": True, "growth_per_unit": 2})
    _earn_month_by_month(shop)
    _redeem(shop)
    _refunds_replay(shop)
    loyalty_settle(shop=shop, at=timezone.now())
    return LedgerEntry.objects.count()


def _change(order: Order, *, at: datetime, refund_amount=None) -> OrderChange:
    """An order's change as its write would have announced it: paid, or a refund of it."""
    if refund_amount is None:
        return OrderChange(
            order_id=order.pk, customer_id=order.customer_id, from_status="", to_status=OrderStatus.PAID,
            total=order.total, placed_at=order.placed_at, source=ChangeSource.DEMO, changed_at=at,
        )  # fmt: skip
    return OrderChange(
        order_id=order.pk, customer_id=order.customer_id, from_status=order.status, to_status=order.status,
        total=order.total, placed_at=order.placed_at, source=ChangeSource.DEMO, changed_at=at,
        refund_amount=refund_amount,
    )  # fmt: skip


def _earn_month_by_month(shop: Shop) -> None:
    """Earn each month's paid orders, then settle at the start of the next month."""
    by_month: dict[tuple[int, int], list[Order]] = {}
    for order in Order.objects.filter(status__in=(*OrderStatus.counted(), OrderStatus.REFUNDED)).order_by("placed_at"):
        by_month.setdefault((order.placed_at.year, order.placed_at.month), []).append(order)
    for orders in by_month.values():
        order_changes_apply(shop, [_change(order, at=order.paid_at or order.placed_at) for order in orders])
        first_of_month = orders[0].placed_at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        loyalty_settle(shop=shop, at=min(add_months(first_of_month, 1), timezone.now()))


def _redeem(shop: Shop) -> None:
    """The customers holding most spend a third of their points; a customer whose order is
    refunded later gets points by hand (an adjustment) and pays part of that order with them."""
    holders = (
        LedgerEntry.objects.filter(remaining__gt=0, is_pending=False).values("customer_id")
        .annotate(total=Sum("remaining")).order_by("-total", "customer_id")[:REDEEMERS]
    )  # fmt: skip
    for number, row in enumerate(holders, start=1):
        customer = Customer.objects.get(pk=row["customer_id"])
        points = customer_loyalty(shop, customer)["points_available"] // 3
        if points > 0:
            points_redeem(shop=shop, customer=customer, points=points, order_external_id=f"DEMO-POINTS-{number}")
    refunded = Order.objects.filter(pk__in=Refund.objects.values("order_id")).order_by("pk").first()
    if refunded is not None:
        customer = Customer.objects.get(pk=refunded.customer_id)
        points_adjust(shop=shop, customer=customer, points=200, reason="补偿：物流延误", actor=None)
        points_redeem(shop=shop, customer=customer, points=100, order_external_id=refunded.external_id)


def _refunds_replay(shop: Shop) -> None:
    """Take back points for the refunds the orders demo made before the program was on."""
    amounts = dict(Refund.objects.values_list("order_id").annotate(amount=Sum("amount")))
    orders = Order.objects.filter(pk__in=list(amounts)).order_by("pk")
    changes = [_change(order, at=timezone.now(), refund_amount=amounts[order.pk]) for order in orders]
    if changes:
        order_changes_apply(shop, changes)
