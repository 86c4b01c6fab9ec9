"""After an order exists: staff/storefront status changes and refunds.

The status machine (docs/orders.md):

    pending -> paid | cancelled
    paid -> shipped | completed | cancelled
    shipped -> delivered
    delivered -> completed
    partially_refunded -> shipped | delivered | completed
    any refundable status -> partially_refunded | refunded, only through a refund

An upsert (the storefront reporting its order) may make any move this machine can reach,
skipping steps (pending -> delivered), including a storefront's own refund
(`upsert_allows`); never a move back. Both lock the order row, so concurrent writes of
one order take turns, and each history row's `from_status` is the previous row's
`to_status`. Refunds lock it too, so concurrent refunds cannot exceed the refundable amount.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop, User
from crm.platform.text import text_problem
from crm.shops.audit import audit_event_record
from orders.events import OrderChange, change_actor, order_changes_emit
from orders.models import ChangeSource, Order, OrderStatus, OrderStatusChange, Refund, RefundLine
from orders.validation import money_parse

S = OrderStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.SHIPPED, S.COMPLETED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
    S.PARTIALLY_REFUNDED: frozenset({S.SHIPPED, S.DELIVERED, S.COMPLETED}),
}
REFUNDABLE = frozenset({S.PAID, S.SHIPPED, S.DELIVERED, S.COMPLETED, S.PARTIALLY_REFUNDED})


def _reachable(status: str) -> frozenset[str]:
    seen, todo = set(), [status]
    while todo:
        for target in TRANSITIONS[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return frozenset(seen)


_REACHABLE = {status: _reachable(status) for status in S.values}


def upsert_allows(current: str, status: str) -> bool:
    """May an upsert move an order from `current` to `status`? (see the module doc)"""
    if status in (S.PARTIALLY_REFUNDED, S.REFUNDED):
        return status == current or current in REFUNDABLE
    return status == current or status in _REACHABLE[current]


def transition_refused(current: str, status: str) -> str:
    return _("An order cannot go from %(from)s to %(to)s.") % {"from": current, "to": status}


_TIME_FIELD = {S.PAID: "paid_at", S.SHIPPED: "shipped_at", S.DELIVERED: "delivered_at"}
MAX_REFUND_LINES = 500


class OrderStateError(Exception):
    """The order's current status does not allow this (HTTP 409)."""


class RefundInvalid(ValueError):
    """The refund request is wrong for this order; `errors` is {"field": [reason]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid refund")
        self.errors = errors


def _locked(order_id: int) -> Order:
    return Order.objects.select_for_update().get(pk=order_id)


def _status_set(order: Order, status: str, *, source: str, actor_user: User | None, now) -> None:
    """Set the status of the locked `order` and append its history row."""
    previous = order.status
    order.status = status
    order.updated_at = now
    fields = ["status", "updated_at"]
    time_field = _TIME_FIELD.get(status)
    if time_field and getattr(order, time_field) is None:
        setattr(order, time_field, now)
        fields.append(time_field)
    order.save(update_fields=fields)
    OrderStatusChange.objects.create(
        shop_id=order.shop_id,
        order=order,
        from_status=previous,
        to_status=status,
        source=source,
        actor_user=actor_user,
        actor_api_key_id=change_actor()["api_key_id"],
        changed_at=now,
    )
    audit_event_record(action="order.status_change", obj=order, changes={"status": [previous, status]})


@transaction.atomic
def order_status_change(
    *, shop: Shop, order_id: int, status: str, source: str = ChangeSource.STAFF, actor_user: User | None = None
) -> Order:
    """Move the order along the status machine; the same status again is a no-op."""
    order = _locked(order_id)
    if status == order.status:
        return order
    if status not in TRANSITIONS[order.status]:
        raise OrderStateError(transition_refused(order.status, status))
    previous, now = order.status, timezone.now()
    _status_set(order, status, source=source, actor_user=actor_user, now=now)
    order_changes_emit(shop=shop, changes=[_change(order, previous, source=source, actor_user=actor_user, now=now)])
    return order


def _change(order: Order, previous: str, *, source: str, actor_user: User | None, now, refund_amount=None):
    return OrderChange(
        order_id=order.pk,
        customer_id=order.customer_id,
        from_status=previous,
        to_status=order.status,
        total=order.total,
        placed_at=order.placed_at,
        source=source,
        changed_at=now,
        refund_amount=refund_amount or Decimal("0"),
        api_key_id=change_actor()["api_key_id"],
        actor_user_id=actor_user.pk if actor_user else None,
    )


def order_refunded_amount(order: Order) -> Decimal:
    return Refund.objects.filter(order=order).aggregate(total=Sum("amount"))["total"] or Decimal("0")


@transaction.atomic
def refund_create(*, shop: Shop, order_id: int, data: dict, actor_user: User | None = None) -> Refund:
    """Refund part or all of an order: {"amount", "reason", "lines": [{"sku", "quantity", "amount"}]}.
    The status becomes refunded when nothing refundable is left, else partially_refunded."""
    order = _locked(order_id)
    if order.status not in REFUNDABLE:
        raise OrderStateError(_("An order in status %(status)s cannot be refunded.") % {"status": order.status})
    remaining = order.total - order_refunded_amount(order)
    amount, reason, lines = _refund_clean(data, order, remaining)
    now = timezone.now()
    refund = Refund.objects.create(
        shop_id=shop.pk, order=order, amount=amount, reason=reason, created_by=actor_user, created_at=now
    )
    RefundLine.objects.bulk_create(
        [
            RefundLine(shop_id=shop.pk, refund=refund, sku=sku, quantity=quantity, amount=line_amount)
            for sku, quantity, line_amount in lines
        ]  # fmt: skip
    )
    status, previous = S.REFUNDED if amount == remaining else S.PARTIALLY_REFUNDED, order.status
    if status != order.status:
        _status_set(order, status, source=ChangeSource.REFUND, actor_user=actor_user, now=now)
    audit_event_record(action="order.refund", obj=order, changes={"refund_id": refund.pk, "amount": str(amount)})
    change = _change(order, previous, source=ChangeSource.REFUND, actor_user=actor_user, now=now, refund_amount=amount)
    order_changes_emit(shop=shop, changes=[change])
    return refund


def _refund_clean(data, order: Order, remaining: Decimal) -> tuple[Decimal, str, list[tuple]]:
    if not isinstance(data, dict):
        raise RefundInvalid({"non_field_errors": [_("Must be a JSON object.")]})
    errors: dict[str, list[str]] = {}
    amount = None
    try:
        amount = money_parse(data.get("amount"))
    except ValueError as error:
        errors["amount"] = [str(error)]
    if amount is not None and amount <= 0:
        errors["amount"] = [_("Must be more than zero.")]
    elif amount is not None and amount > remaining:
        errors["amount"] = [_("Exceeds the refundable amount (%(remaining)s).") % {"remaining": remaining}]
    reason = data.get("reason") or ""
    if not isinstance(reason, str) or len(reason) > 500:
        errors["reason"] = [_("Must be a string of at most 500 characters.")]
    elif problem := text_problem(reason):
        errors["reason"] = [problem]
    lines = _refund_lines_clean(data.get("lines") or [], order, errors)
    if errors:
        raise RefundInvalid(errors)
    return amount, reason.strip(), lines


def _refund_lines_clean(raw, order: Order, errors: dict) -> list[tuple]:
    if not isinstance(raw, list) or len(raw) > MAX_REFUND_LINES:
        errors["lines"] = [_("Must be a list of at most %(limit)d lines.") % {"limit": MAX_REFUND_LINES}]
        return []
    ordered = {line.sku: line.quantity for line in order.lines.all()}
    lines = []
    for index, item in enumerate(raw):
        sku = item.get("sku") if isinstance(item, dict) else None
        quantity = item.get("quantity", 1) if isinstance(item, dict) else None
        if not isinstance(sku, str) or sku not in ordered:
            errors[f"lines.{index}.sku"] = [_("This order has no line with this SKU.")]
        elif type(quantity) is not int or not 0 < quantity <= ordered[sku]:
            errors[f"lines.{index}.quantity"] = [_("Must be between 1 and the quantity ordered.")]
        else:
            lines.append((sku, quantity, _refund_line_amount(item, index, errors)))
    return lines


def _refund_line_amount(item: dict, index: int, errors: dict) -> Decimal | None:
    if item.get("amount") in (None, ""):
        return None
    try:
        return money_parse(item["amount"])
    except ValueError as error:
        errors[f"lines.{index}.amount"] = [str(error)]
        return None
