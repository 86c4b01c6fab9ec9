"""One order upserted by its `external_id` (`POST /api/v1/orders/`): the plain ORM path,
with the batch path's validation, decisions, history and change records
(orders/services/ingest.py)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models import Shop
from crm.tenancy.context import require_shop_id
from customers.identity import customer_resolve_reporting
from orders.models import ChangeSource, Order, OrderLine
from orders.services.bulk.copy_text import order_fingerprint
from orders.services.ingest import (
    Decision,
    OrderInvalid,
    Stored,
    Written,
    history_and_changes_write,
    identity,
    write_decision,
    write_refusal,
    write_retrying,
)
from orders.services.lifecycle import OrderStateError, transition_refused
from orders.validation import CleanContext, CleanOrder, order_clean

# CleanOrder fields stored as they are on the order row.
_ORDER_FIELDS = (
    "channel", "status", "placed_at", "paid_at", "shipped_at", "delivered_at", "currency", "subtotal", "discount",
    "shipping", "total", "coupon_code", "shipping_province", "shipping_city", "shipping_address", "recipient_name",
    "recipient_phone",
)  # fmt: skip


def order_upsert(*, shop: Shop, data, source: str = ChangeSource.API) -> tuple[Order, bool]:
    """Create or update one order; returns (order, created). Raises OrderInvalid for a
    payload that fails validation, OrderStateError for a status move an upsert may not make."""
    assert shop.pk == require_shop_id(), "ingest in the scope of the shop it names"
    order, errors = order_clean(data, CleanContext.for_shop(shop))
    if errors:
        raise OrderInvalid(errors)
    return write_retrying(_write, shop, order, source)


@transaction.atomic
def _write(shop: Shop, order: CleanOrder, source: str) -> tuple[Order, bool]:
    fingerprint = order_fingerprint(order)
    stored = _stored_lock(order.external_id)
    now = timezone.now()  # after the row lock, so history times follow commit order
    if refusal := write_refusal(order, fingerprint, stored):
        return _not_written(order, stored, refusal)
    customer, is_new_customer = customer_resolve_reporting(shop=shop, **identity(order))
    decision = write_decision(order, fingerprint, customer.pk, stored)
    row = None
    if decision is Decision.INSERT:
        row = _insert(shop, order, customer.pk, fingerprint, now)
        if row is None:  # inserted by a concurrent transaction since our lock: decide again on its row
            stored = _stored_lock(order.external_id)
            decision = write_decision(order, fingerprint, customer.pk, stored)
    if decision in (Decision.REFUSED, Decision.UNCHANGED):
        return _not_written(order, stored, decision)
    if decision is Decision.UPDATE:
        row = _update(stored.order_id, order, customer.pk, fingerprint, now)
    OrderLine.objects.bulk_create(
        OrderLine(shop_id=shop.pk, order=row, position=position, **_line_fields(line))
        for position, line in enumerate(order.lines)
    )
    written = Written(order, row.pk, customer.pk, stored, is_new_customer)
    history_and_changes_write(shop=shop, written=[written], source=source, now=now)
    return row, stored is None


def _not_written(order: CleanOrder, stored: Stored, decision: Decision) -> tuple[Order, bool]:
    """The stored order, unchanged; or OrderStateError for a status move refused."""
    if decision is Decision.REFUSED:
        raise OrderStateError(transition_refused(stored.status, order.status))
    return Order.objects.get(pk=stored.order_id), False


def _stored_lock(external_id: str) -> Stored | None:
    row = (
        Order.objects.select_for_update()
        .filter(external_id=external_id)
        .values_list("external_id", "pk", "status", "customer_id", "content_hash", "storefront_updated_at")
        .first()
    )
    return Stored(*row) if row is not None else None


def _insert(shop: Shop, order: CleanOrder, customer_id: int, fingerprint: str, now) -> Order | None:
    try:
        with transaction.atomic():
            return Order.objects.create(
                shop_id=shop.pk, external_id=order.external_id, customer_id=customer_id, content_hash=fingerprint,
                storefront_updated_at=order.updated_at, created_at=now, updated_at=now, **_order_fields(order),
            )  # fmt: skip
    except IntegrityError:
        return None


def _update(order_id: int, order: CleanOrder, customer_id: int, fingerprint: str, now) -> Order:
    Order.objects.filter(pk=order_id).update(
        customer_id=customer_id, content_hash=fingerprint, storefront_updated_at=order.updated_at, updated_at=now,
        **_order_fields(order),
    )  # fmt: skip
    OrderLine.objects.filter(order_id=order_id).delete()
    return Order.objects.get(pk=order_id)


def _order_fields(order: CleanOrder) -> dict:
    return {name: getattr(order, name) for name in _ORDER_FIELDS}


def _line_fields(line) -> dict:
    return {name: getattr(line, name) for name in ("sku", "name", "category", "quantity", "unit_price", "line_total")}
