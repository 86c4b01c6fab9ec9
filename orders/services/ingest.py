"""Order ingest: the one write path behind the REST upsert, the bulk endpoint, the CSV
import and the demo seed.

Per batch: validate every item (orders/validation.py), resolve all customers at once
(customers_resolve_bulk), then write the valid orders set-based in one transaction:
COPY into a session temp table, INSERT ... ON CONFLICT (shop_id, external_id) DO UPDATE
only where the payload fingerprint or the customer changed, replace the lines of changed
orders, append status history only where the status changed, and bring the touched
customers' stats up to date (new orders added, moved or updated ones recomputed). An
invalid item is reported and nothing of it is written; an identical replay writes
nothing at all.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from crm.models import Shop
from crm.postgresql.citus import staged_insert
from crm.tenancy.context import require_shop_id
from crm.text import text_problem
from customers.identity import customers_resolve_bulk
from customers.stats import NON_QUALIFYING_STATUSES, customer_stats_add, customer_stats_refresh
from orders.models import ChangeSource, Order, OrderStatus
from orders.services.copy_text import (
    LINE_TEXT_COLUMNS,
    ORDER_TEXT_COLUMNS,
    content_hash,
    copy_text,
    line_text,
    order_text,
)
from orders.validation import CleanContext, CleanOrder, order_clean

MAX_BATCH = 1000
WRITE_ATTEMPTS = 3
RETRYABLE_PGCODES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure
logger = logging.getLogger(__name__)

_STAGE_COLUMNS = (*ORDER_TEXT_COLUMNS, "customer_id", "content_hash")
_LINE_COLUMNS = ("order_id", *LINE_TEXT_COLUMNS)
_STAGE_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS orders_ingest_stage (external_id text, channel text, status text, "
    "placed_at timestamptz, paid_at timestamptz, shipped_at timestamptz, delivered_at timestamptz, currency text, "
    "subtotal numeric, discount numeric, shipping numeric, total numeric, coupon_code text, shipping_province text, "
    "shipping_city text, shipping_address text, recipient_name text, recipient_phone text, customer_id bigint, "
    "content_hash text); "
    "CREATE TEMP TABLE IF NOT EXISTS orders_ingest_line_stage (order_id bigint, position int, sku text, name text, "
    "category text, quantity int, unit_price numeric, line_total numeric); "
    "TRUNCATE orders_ingest_stage, orders_ingest_line_stage"
)
_UPDATABLE = [column for column in _STAGE_COLUMNS if column != "external_id"]
_UPSERT_SQL = (
    f"INSERT INTO orders_order (shop_id, {', '.join(_STAGE_COLUMNS)}, created_at, updated_at) "
    # Sorted, so concurrent batches take their row locks in one global order (no deadlock).
    f"SELECT %(shop_id)s, {', '.join(_STAGE_COLUMNS)}, %(now)s, %(now)s FROM orders_ingest_stage ORDER BY external_id "
    "ON CONFLICT (shop_id, external_id) DO UPDATE SET "
    + ", ".join(f"{column} = EXCLUDED.{column}" for column in _UPDATABLE)
    + ", updated_at = EXCLUDED.updated_at "
    "WHERE orders_order.content_hash <> EXCLUDED.content_hash OR orders_order.customer_id <> EXCLUDED.customer_id "
    "RETURNING external_id, id, (xmax = 0) AS inserted"
)
# `shop_id = (SELECT %s::bigint)` rather than `= %s` in the lookups below: PostgreSQL then
# plans with an average shop instead of the shop's own statistics, which call a shop that
# grew since the last ANALYZE (any new shop; any shop inside a long import transaction)
# "about one row" and scan all of its rows per batch instead of probing the index.
_STATUS_TIME = {OrderStatus.PAID: "paid_at", OrderStatus.SHIPPED: "shipped_at", OrderStatus.DELIVERED: "delivered_at"}


class OrderInvalid(ValueError):
    """One order failed validation; `errors` is {"field.path": [reason, ...]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid order")
        self.errors = errors


@dataclass(slots=True)
class _Existing:
    order_id: int
    status: str
    customer_id: int


def orders_ingest_bulk(*, shop: Shop, items: list, source: str = ChangeSource.API) -> list[dict]:
    """Validate and upsert a batch (<= MAX_BATCH) of order payloads; one result per item:
    {"index", "external_id", "result": created|updated|unchanged|error, "id"} or, for
    errors, {"field", "reason", "fields"} naming every problem."""
    assert shop.pk == require_shop_id(), "ingest in the scope of the shop it names"
    if len(items) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} orders per batch")
    results: list[dict | None] = [None] * len(items)
    valid = _validate(items, CleanContext.for_shop(shop), results)
    if valid:
        outcomes = _write_retrying(shop, [order for _, order in valid], source)
        for (index, order), (result, order_id) in zip(valid, outcomes, strict=True):
            results[index] = {"index": index, "external_id": order.external_id, "result": result, "id": order_id}
    return results


def order_upsert(*, shop: Shop, data, source: str = ChangeSource.API) -> tuple[Order, bool]:
    """The single-order path: same validation and writer as the bulk one.
    Raises OrderInvalid; returns (order, created)."""
    [result] = orders_ingest_bulk(shop=shop, items=[data], source=source)
    if result["result"] == "error":
        raise OrderInvalid(result["fields"])
    return Order.objects.get(pk=result["id"]), result["result"] == "created"


def _validate(items: list, ctx: CleanContext, results: list) -> list[tuple[int, CleanOrder]]:
    valid, first_index = [], {}
    for index, raw in enumerate(items):
        order, errors = order_clean(raw, ctx)
        if order is not None and order.external_id in first_index:
            first = first_index[order.external_id]
            errors = {"external_id": [f"Appears more than once in this batch (first at item {first})."]}
        if errors:
            external_id = raw.get("external_id") if isinstance(raw, dict) else None
            results[index] = error_result(index, external_id, errors)
            continue
        first_index[order.external_id] = index
        valid.append((index, order))
    return valid


def error_result(index: int, external_id, errors: dict[str, list[str]]) -> dict:
    field_name, reasons = next(iter(errors.items()))
    return {
        "index": index,
        # Echoed only when it is text at all: a lone surrogate could not even be sent back.
        "external_id": external_id if isinstance(external_id, str) and not text_problem(external_id) else None,
        "result": "error",
        "field": field_name,
        "reason": reasons[0],
        "fields": errors,
    }


def _write_retrying(shop: Shop, orders: list[CleanOrder], source: str) -> list[tuple[str, int]]:
    """Concurrent batches for overlapping customers can still deadlock in PostgreSQL's
    eyes (customer rows are locked in item order by identity resolution); the loser's
    savepoint is rolled back, releasing its locks, and the batch is tried again."""
    attempt = 1
    while True:
        try:
            return _write(shop, orders, source)
        except OperationalError as error:
            if getattr(error.__cause__, "pgcode", None) not in RETRYABLE_PGCODES or attempt == WRITE_ATTEMPTS:
                raise
            logger.warning("orders.ingest_retry", extra={"shop_id": shop.pk, "attempt": attempt})
            attempt += 1


@transaction.atomic
def _write(shop: Shop, orders: list[CleanOrder], source: str) -> list[tuple[str, int]]:
    """Upsert valid orders; returns (result, order id) per order, in order."""
    customer_ids, created_ids = customers_resolve_bulk(shop=shop, identities=[_identity(order) for order in orders])
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_DDL)
        texts = [(order_text(order), [line_text(*line) for line in enumerate(order.lines)]) for order in orders]
        copy_text(cursor, "orders_ingest_stage", _STAGE_COLUMNS, "".join(
            f"{text}\t{customer_id}\t{content_hash(text, lines)}\n"
            for (text, lines), customer_id in zip(texts, customer_ids, strict=True)
        ))  # fmt: skip
        existing = _existing_orders(cursor, shop.pk)
        cursor.execute(_UPSERT_SQL, {"shop_id": shop.pk, "now": now})
        written = {external_id: (order_id, inserted) for external_id, order_id, inserted in cursor.fetchall()}
        changed = [(order, *written[order.external_id]) for order in orders if order.external_id in written]
        changed_lines = [texts[index][1] for index, order in enumerate(orders) if order.external_id in written]
        _lines_replace(cursor, shop.pk, changed, changed_lines)
        _history_append(cursor, shop.pk, changed, existing, source, now)
    _stats_update(shop, orders, customer_ids, created_ids, written, existing)
    return [_outcome(order, written, existing) for order in orders]


def _stats_update(shop: Shop, orders: list[CleanOrder], customer_ids: list[int], created_ids: set[int],
                  written: dict, existing: dict) -> None:  # fmt: skip
    """A customer an updated order left or joined is recomputed from its orders; new
    orders of any other existing customer are added to its stats (re-reading a long
    history per batch was most of a batch's cost); a customer created by this batch was
    inserted with its stats."""
    recompute, added = set(), []
    for order, customer_id in zip(orders, customer_ids, strict=True):
        if order.external_id not in written:
            continue
        _order_id, inserted = written[order.external_id]
        if not inserted:
            recompute.add(customer_id)
            if order.external_id in existing:
                recompute.add(existing[order.external_id].customer_id)
        elif customer_id not in created_ids and order.status not in NON_QUALIFYING_STATUSES:
            added.append((customer_id, order.total, order.placed_at))
    customer_stats_refresh(shop=shop, customer_ids=list(recompute))
    customer_stats_add(shop=shop, orders=[order for order in added if order[0] not in recompute])


def _identity(order: CleanOrder) -> dict:
    # A customer created by this batch starts with the stats of its counted orders, so the
    # stats update leaves it alone (customers/identity_batch.py).
    counted = order.status not in NON_QUALIFYING_STATUSES
    return {"channel": order.channel, **order.customer, "order": (order.total, order.placed_at) if counted else None}


def _outcome(order: CleanOrder, written: dict, existing: dict) -> tuple[str, int]:
    if order.external_id in written:
        order_id, inserted = written[order.external_id]
        return ("created" if inserted else "updated"), order_id
    if order.external_id in existing:
        return "unchanged", existing[order.external_id].order_id
    # Inserted by a concurrent twin after our read, with the same content.
    return "unchanged", Order.objects.values_list("pk", flat=True).get(external_id=order.external_id)


def _existing_orders(cursor, shop_id: int) -> dict[str, _Existing]:
    # No row locks here: the upsert takes them, in external_id order. A concurrent change
    # between this read and the upsert can only make a history row's from_status stale.
    cursor.execute(
        "SELECT o.external_id, o.id, o.status, o.customer_id FROM orders_order o "
        "JOIN orders_ingest_stage s ON o.external_id = s.external_id WHERE o.shop_id = (SELECT %s::bigint)",
        [shop_id],
    )
    return {external_id: _Existing(*rest) for external_id, *rest in cursor.fetchall()}


def _lines_replace(cursor, shop_id: int, changed: list, changed_lines: list[list[str]]) -> None:
    updated_ids = [order_id for _, order_id, inserted in changed if not inserted]
    if updated_ids:
        cursor.execute(
            "DELETE FROM orders_orderline WHERE shop_id = (SELECT %s::bigint) AND order_id = ANY(%s)",
            [shop_id, updated_ids],
        )
    text = "".join(
        f"{order_id}\t{line}\n"
        for (_, order_id, _), lines in zip(changed, changed_lines, strict=True)
        for line in lines
    )
    if text:
        copy_text(cursor, "orders_ingest_line_stage", _LINE_COLUMNS, text)
        cursor.execute(
            staged_insert(
                f"INSERT INTO orders_orderline (shop_id, {', '.join(_LINE_COLUMNS)}) "
                f"SELECT %s, {', '.join(_LINE_COLUMNS)} FROM orders_ingest_line_stage",
                connection,
            ),
            [shop_id],
        )


def _history_append(cursor, shop_id: int, changed: list, existing: dict, source: str, now: datetime) -> None:
    order_ids, from_statuses, to_statuses, times = [], [], [], []
    for order, order_id, _inserted in changed:
        previous = existing.get(order.external_id)
        if previous is not None and previous.status == order.status:
            continue
        order_ids.append(order_id)
        from_statuses.append("" if previous is None else previous.status)
        to_statuses.append(order.status)
        # ISO strings: psycopg2 adapts a list of datetimes in Python, strings in C.
        times.append((now if previous is not None else _status_reached_at(order)).isoformat())
    if order_ids:
        cursor.execute(
            staged_insert(
                "INSERT INTO orders_orderstatuschange (shop_id, order_id, from_status, to_status, source, changed_at) "
                "SELECT %s, t.order_id, t.from_status, t.to_status, %s, t.changed_at FROM unnest(%s::bigint[], "
                "%s::varchar[], %s::varchar[], %s::timestamptz[]) AS t(order_id, from_status, to_status, changed_at)",
                connection,
            ),
            [shop_id, str(source), order_ids, from_statuses, to_statuses, times],
        )


def _status_reached_at(order: CleanOrder) -> datetime:
    """A new order's history starts when the storefront says the status was reached."""
    time_field = _STATUS_TIME.get(order.status)
    return (getattr(order, time_field) if time_field else None) or order.placed_at
