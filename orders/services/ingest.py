"""Order ingest: the storefront's orders upserted by `external_id`, one at a time
(`order_upsert`, orders/services/upsert.py) or in batches (`orders_ingest_bulk`: the bulk
endpoint, the CSV import, the demo seed).

Both paths validate with orders/validation.py, resolve customers through customers'
identity resolution, lock the stored orders they name (sorted by external id), and decide
per order here (`write_decision`): a new order is inserted; a stored one is rewritten only
when its fingerprint or customer changed, unless the payload is older than what is
stored (storefront `updated_at`) or its status is a move an upsert may not make
(lifecycle.upsert_allows). A status reached appends a history row whose `from_status` is
the locked row's; every order written becomes one order-change record, and the batch's
records go to the registered handlers (orders/events.py) in the same transaction.
An identical replay writes nothing at all.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.models import Shop
from crm.platform.postgresql.citus import staged_insert
from crm.platform.reasons import Reason
from crm.platform.text import text_problem
from crm.tenancy.context import require_shop_id
from customers.identity import customers_resolve_bulk
from orders.events import OrderChange, change_actor, order_changes_emit
from orders.models import ChangeSource, OrderStatus
from orders.services.bulk.writer import StagedBatch
from orders.services.lifecycle import transition_refused, upsert_allows
from orders.validation import CleanContext, CleanOrder, order_clean

MAX_BATCH = 1000
WRITE_ATTEMPTS = 3
RETRYABLE_PGCODES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure
logger = logging.getLogger(__name__)
_STATUS_TIME = {OrderStatus.PAID: "paid_at", OrderStatus.SHIPPED: "shipped_at", OrderStatus.DELIVERED: "delivered_at"}


class OrderInvalid(ValueError):
    """One order failed validation; `errors` is {"field.path": [reason, ...]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid order")
        self.errors = errors


@dataclass(slots=True)
class Stored:
    """A stored order as read under its row lock."""

    external_id: str
    order_id: int
    status: str
    customer_id: int
    content_hash: str
    storefront_updated_at: datetime | None


Outcome = tuple[str, int | None, dict | None]  # (result, order id, errors)


class Decision(Enum):
    INSERT = "insert"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REFUSED = "refused"  # a status move an upsert may not make


def write_refusal(order: CleanOrder, fingerprint: str, stored: Stored | None) -> Decision | None:
    """UNCHANGED or REFUSED for a payload that must not be written, known before its
    customer is resolved (so such a payload creates no customer); None otherwise."""
    if stored is None or fingerprint == stored.content_hash:
        return None
    newest = stored.storefront_updated_at
    if order.updated_at is not None and newest is not None and order.updated_at < newest:
        return Decision.UNCHANGED  # an older version of the order, arriving late
    if not upsert_allows(stored.status, order.status):
        return Decision.REFUSED
    return None


def write_decision(order: CleanOrder, fingerprint: str, customer_id: int, stored: Stored | None) -> Decision:
    if stored is None:
        return Decision.INSERT
    if fingerprint == stored.content_hash and customer_id == stored.customer_id:
        return Decision.UNCHANGED
    return write_refusal(order, fingerprint, stored) or Decision.UPDATE


@dataclass(slots=True)
class Written:
    """One order this write inserted or changed."""

    order: CleanOrder
    order_id: int
    customer_id: int
    stored: Stored | None  # None for an inserted order
    is_new_customer: bool


def identity(order: CleanOrder) -> dict:
    # A customer created by this write starts with the stats of its counted orders, so the
    # stats handler leaves it alone (customers/identity_batch.py); its region starts as the
    # order's shipping region (the region handler's rule).
    counted = order.status in OrderStatus.counted()
    region = {"province": order.shipping_province, "city": order.shipping_city} if order.shipping_province else {}
    return {
        "channel": order.channel,
        **order.customer,
        **region,
        "order": (order.total, order.placed_at) if counted else None,
    }


def history_and_changes_write(*, shop: Shop, written: list[Written], source: str, now: datetime) -> None:
    """Append a history row for every status reached, and emit the change records."""
    actor = change_actor()
    rows = []
    for item in written:
        previous = item.stored.status if item.stored is not None else ""
        if previous != item.order.status:
            # A new order's first row is timed when the storefront says the status was reached.
            at = now if item.stored is not None else _status_reached_at(item.order)
            rows.append((item.order_id, previous, item.order.status, at.isoformat()))
    if rows:
        order_ids, from_statuses, to_statuses, times = (list(column) for column in zip(*rows, strict=True))
        with connection.cursor() as cursor:
            # ISO strings: psycopg2 adapts a list of datetimes in Python, strings in C.
            cursor.execute(
                staged_insert(
                    "INSERT INTO orders_orderstatuschange (shop_id, order_id, from_status, to_status, source, "
                    "actor_user_id, actor_api_key_id, changed_at) SELECT %s, t.order_id, t.from_status, t.to_status, "
                    "%s, %s, %s, t.changed_at FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], "
                    "%s::timestamptz[]) AS t(order_id, from_status, to_status, changed_at) ORDER BY t.order_id",
                    connection,
                ),
                [shop.pk, str(source), actor["actor_user_id"], actor["api_key_id"], order_ids, from_statuses,
                 to_statuses, times],
            )  # fmt: skip
    order_changes_emit(shop=shop, changes=[_change(item, source, now, actor) for item in written])


def _change(item: Written, source: str, now: datetime, actor: dict) -> OrderChange:
    stored = item.stored
    moved = stored is not None and stored.customer_id != item.customer_id
    return OrderChange(
        order_id=item.order_id,
        customer_id=item.customer_id,
        from_status=stored.status if stored is not None else "",
        to_status=item.order.status,
        total=item.order.total,
        placed_at=item.order.placed_at,
        source=str(source),
        changed_at=now,
        previous_customer_id=stored.customer_id if moved else None,
        is_new_customer=item.is_new_customer,
        **actor,
    )


def _status_reached_at(order: CleanOrder) -> datetime:
    time_field = _STATUS_TIME.get(order.status)
    return (getattr(order, time_field) if time_field else None) or order.placed_at


def write_retrying(write: Callable, *args):
    """Concurrent writes for overlapping customers can still deadlock in PostgreSQL's eyes
    (customer rows are locked in item order by identity resolution); the loser's savepoint
    is rolled back, releasing its locks, and the write is tried again."""
    attempt = 1
    while True:
        try:
            return write(*args)
        except OperationalError as error:
            if getattr(error.__cause__, "pgcode", None) not in RETRYABLE_PGCODES or attempt == WRITE_ATTEMPTS:
                raise
            logger.warning("orders.ingest_retry", extra={"shop_id": args[0].pk, "attempt": attempt})
            attempt += 1


# --- batches -----------------------------------------------------------------------------
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
        outcomes = write_retrying(_batch_write, shop, [order for _, order in valid], source)
        for (index, order), (result, order_id, errors) in zip(valid, outcomes, strict=True):
            if errors:
                results[index] = error_result(index, order.external_id, errors)
            else:
                results[index] = {"index": index, "external_id": order.external_id, "result": result, "id": order_id}
    return results


def _validate(items: list, ctx: CleanContext, results: list) -> list[tuple[int, CleanOrder]]:
    valid, first_index = [], {}
    for index, raw in enumerate(items):
        order, errors = order_clean(raw, ctx)
        if order is not None and order.external_id in first_index:
            first = first_index[order.external_id]
            errors = {
                "external_id": [
                    Reason(gettext_noop("Appears more than once in this batch (first at item %(first)d)."), first=first)
                ]
            }
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


@transaction.atomic
def _batch_write(shop: Shop, orders: list[CleanOrder], source: str) -> list[Outcome]:
    """Upsert valid orders; (result, order id, errors) per order, in order."""
    with connection.cursor() as cursor:
        batch = StagedBatch(cursor, shop.pk, orders)
        stored = _stored_lock(batch, [order.external_id for order in orders])
        now = timezone.now()  # after the row locks, so history times follow commit order
        plan = {
            order.external_id: decision
            for order in orders
            if (decision := write_refusal(order, batch.fingerprints[order.external_id], stored.get(order.external_id)))
        }
        to_write = [order for order in orders if order.external_id not in plan]
        customer_ids, created_ids = customers_resolve_bulk(
            shop=shop, identities=[identity(order) for order in to_write]
        )
        customers = {order.external_id: customer_id for order, customer_id in zip(to_write, customer_ids, strict=True)}
        batch.stage(to_write, customer_ids)
        for order in to_write:
            key = order.external_id
            plan[key] = write_decision(order, batch.fingerprints[key], customers[key], stored.get(key))
        inserted = batch.insert([key for key, decision in plan.items() if decision is Decision.INSERT], now)
        late = [key for key, decision in plan.items() if decision is Decision.INSERT and key not in inserted]
        if late:  # inserted by a concurrent transaction since our lock: decide again on its locked row
            stored.update(_stored_lock(batch, late))
            by_key = {order.external_id: order for order in to_write}
            for key in late:
                plan[key] = write_decision(by_key[key], batch.fingerprints[key], customers[key], stored[key])
        updated = {key: stored[key].order_id for key, decision in plan.items() if decision is Decision.UPDATE}
        batch.update(list(updated.values()), now)
        batch.lines_replace({**inserted, **updated}, list(updated.values()))
    written = [
        Written(
            order, inserted.get(key) or updated[key], customers[key], stored.get(key), customers[key] in created_ids
        )
        for order in to_write
        if (key := order.external_id) in inserted or key in updated
    ]
    history_and_changes_write(shop=shop, written=written, source=source, now=now)
    return [_outcome(order, plan[order.external_id], inserted, stored) for order in orders]


def _stored_lock(batch: StagedBatch, external_ids: list[str]) -> dict[str, Stored]:
    return {row[0]: Stored(*row) for row in batch.stored_lock(external_ids)}


def _outcome(order: CleanOrder, decision: Decision, inserted: dict, stored: dict) -> Outcome:
    key = order.external_id
    if decision is Decision.INSERT:
        return "created", inserted[key], None
    if decision is Decision.REFUSED:
        return "error", None, {"status": [transition_refused(stored[key].status, order.status)]}
    return ("updated" if decision is Decision.UPDATE else "unchanged"), stored[key].order_id, None
