"""Writes for orders. Import services from here: `from orders.services import order_upsert`."""

from orders.services.ingest import MAX_BATCH, OrderInvalid, order_upsert, orders_ingest_bulk

__all__ = ["MAX_BATCH", "OrderInvalid", "order_upsert", "orders_ingest_bulk"]
