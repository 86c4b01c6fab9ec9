"""Writes for orders. Import services from here: `from orders.services import order_upsert`."""

from orders.services.ingest import MAX_BATCH, OrderInvalid, orders_ingest_bulk
from orders.services.lifecycle import (
    REFUNDABLE,
    TRANSITIONS,
    OrderStateError,
    RefundInvalid,
    order_refunded_amount,
    order_status_change,
    refund_create,
)
from orders.services.notes import OrderNoteInvalid, order_note_add
from orders.services.privacy import ORDER_PERSONAL_FIELDS, order_personal_data_erase
from orders.services.upsert import order_upsert

__all__ = [
    "MAX_BATCH",
    "ORDER_PERSONAL_FIELDS",
    "REFUNDABLE",
    "TRANSITIONS",
    "OrderInvalid",
    "OrderNoteInvalid",
    "OrderStateError",
    "RefundInvalid",
    "order_note_add",
    "order_personal_data_erase",
    "order_refunded_amount",
    "order_status_change",
    "order_upsert",
    "orders_ingest_bulk",
    "refund_create",
]
