"""A batch of validated orders written set-based through session temp tables.

A handful of statements whatever the batch's size: lock the stored orders it names, COPY
the orders to write into a temp table, insert the new ones, update the changed ones,
replace their lines. What to write is decided by orders/services/ingest.py from the rows
locked here.
"""

from datetime import datetime

from django.db import connection

from crm.platform.postgresql.citus import shop_key, staged_insert
from orders.services.bulk.copy_text import (
    LINE_TEXT_COLUMNS,
    ORDER_TEXT_COLUMNS,
    content_hash,
    copy_text,
    line_text,
    order_text,
    time_text,
)
from orders.validation import CleanOrder

_STAGE_COLUMNS = (*ORDER_TEXT_COLUMNS, "customer_id", "content_hash", "storefront_updated_at")
_LINE_COLUMNS = ("order_id", *LINE_TEXT_COLUMNS)
STORED_COLUMNS = ("external_id", "id", "status", "customer_id", "content_hash", "storefront_updated_at")
_STAGE_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS orders_ingest_stage (external_id text, channel text, status text, "
    "placed_at timestamptz, paid_at timestamptz, shipped_at timestamptz, delivered_at timestamptz, currency text, "
    "subtotal numeric, discount numeric, shipping numeric, total numeric, coupon_code text, shipping_province text, "
    "shipping_city text, shipping_address text, recipient_name text, recipient_phone text, customer_id bigint, "
    "content_hash text, storefront_updated_at timestamptz); "
    "CREATE TEMP TABLE IF NOT EXISTS orders_ingest_line_stage (order_id bigint, position int, sku text, name text, "
    "category text, quantity int, unit_price numeric, line_total numeric); "
    "TRUNCATE orders_ingest_stage, orders_ingest_line_stage"
)
# `{shop}` in the statements below is shop_key(): see there why it is not a plain `%s`.
_STORED_SQL = (
    f"SELECT {', '.join(f'o.{column}' for column in STORED_COLUMNS)} FROM orders_order o "
    "WHERE o.shop_id = {shop} AND o.external_id = ANY(%s) "
    # Sorted, so concurrent batches take their row locks in one global order (no deadlock).
    "ORDER BY o.external_id FOR UPDATE OF o"
)
_INSERT_SQL = (
    f"INSERT INTO orders_order (shop_id, {', '.join(_STAGE_COLUMNS)}, created_at, updated_at) "
    f"SELECT %(shop_id)s, {', '.join(_STAGE_COLUMNS)}, %(now)s, %(now)s FROM orders_ingest_stage "
    "WHERE external_id = ANY(%(external_ids)s) ORDER BY external_id "
    "ON CONFLICT (shop_id, external_id) DO NOTHING RETURNING external_id, id"
)
_UPDATE_SQL = (
    "UPDATE orders_order o SET "
    + ", ".join(f"{column} = s.{column}" for column in _STAGE_COLUMNS if column != "external_id")
    + ", updated_at = %(now)s FROM orders_ingest_stage s "
    "WHERE o.shop_id = {shop} AND o.id = ANY(%(order_ids)s) AND s.external_id = o.external_id"
)


class StagedBatch:
    """One batch: its COPY texts and fingerprints, then its rows in the session's temp tables
    (the caller's transaction holds them)."""

    def __init__(self, cursor, shop_id: int, orders: list[CleanOrder]):
        self.cursor, self.shop_id = cursor, shop_id
        self.texts = {
            order.external_id: (order_text(order), [line_text(*line) for line in enumerate(order.lines)])
            for order in orders
        }
        self.fingerprints = {order.external_id: content_hash(order, *self.texts[order.external_id]) for order in orders}

    def stored_lock(self, external_ids: list[str]) -> list[tuple]:
        """Lock and read the stored orders among these external ids (STORED_COLUMNS)."""
        self.cursor.execute(_STORED_SQL.format(shop=shop_key(connection)), [self.shop_id, external_ids])
        return self.cursor.fetchall()

    def stage(self, orders: list[CleanOrder], customer_ids: list[int]) -> None:
        """COPY the orders to write, with their customers, into the temp table."""
        self.cursor.execute(_STAGE_DDL)
        copy_text(self.cursor, "orders_ingest_stage", _STAGE_COLUMNS, "".join(
            f"{self.texts[order.external_id][0]}\t{customer_id}\t{self.fingerprints[order.external_id]}\t"
            f"{time_text(order.updated_at)}\n"
            for order, customer_id in zip(orders, customer_ids, strict=True)
        ))  # fmt: skip

    def insert(self, external_ids: list[str], now: datetime) -> dict[str, int]:
        """Insert these new orders; returns {external_id: id} of those inserted (the others
        were inserted by a concurrent transaction meanwhile)."""
        self.cursor.execute(_INSERT_SQL, {"shop_id": self.shop_id, "now": now, "external_ids": external_ids})
        return dict(self.cursor.fetchall())

    def update(self, order_ids: list[int], now: datetime) -> None:
        if order_ids:
            self.cursor.execute(
                _UPDATE_SQL.format(shop=shop_key(connection, "%(shop_id)s")),
                {"shop_id": self.shop_id, "now": now, "order_ids": order_ids},
            )

    def lines_replace(self, written: dict[str, int], updated_ids: list[int]) -> None:
        """Replace the lines of the written orders ({external_id: id}; updated ones had lines)."""
        if updated_ids:
            self.cursor.execute(
                f"DELETE FROM orders_orderline WHERE shop_id = {shop_key(connection)} AND order_id = ANY(%s)",
                [self.shop_id, updated_ids],
            )
        text = "".join(
            f"{order_id}\t{line}\n" for external_id, order_id in written.items() for line in self.texts[external_id][1]
        )
        if text:
            copy_text(self.cursor, "orders_ingest_line_stage", _LINE_COLUMNS, text)
            self.cursor.execute(
                staged_insert(
                    f"INSERT INTO orders_orderline (shop_id, {', '.join(_LINE_COLUMNS)}) "
                    f"SELECT %s, {', '.join(_LINE_COLUMNS)} FROM orders_ingest_line_stage",
                    connection,
                ),
                [self.shop_id],
            )
