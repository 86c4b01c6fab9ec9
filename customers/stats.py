"""The denormalized order stats on Customer: set from the order totals that orders
provides, or, for orders just inserted, added to (customer_stats_add).

Which orders count, and how refunds count, is defined by orders (OrderStatus.counted()):
orders_count, total_spent (gross) and first/last order cover the counted orders,
refunds_count and refunded_amount their refunds, so net spend = total_spent -
refunded_amount. Customers never read orders' tables: orders registers the function that
reads the totals (`order_totals_reader_register`) and keeps the stats current through its
order-change handler. Everything here runs in the caller's shop scope and transaction.
"""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection

from crm.models import Shop
from crm.platform.postgresql.citus import shop_key
from crm.tenancy.context import require_shop_id


class OrderTotals(NamedTuple):
    orders_count: int
    total_spent: Decimal
    first_order_at: datetime
    last_order_at: datetime
    refunds_count: int
    refunded_amount: Decimal


OrderTotalsReader = Callable[[Shop, list[int]], dict[int, OrderTotals]]
# Filled by orders' AppConfig.ready(): customer ids -> totals of those with counted orders.
_ORDER_TOTALS_READER: dict[str, OrderTotalsReader] = {}


def order_totals_reader_register(reader: OrderTotalsReader) -> None:
    _ORDER_TOTALS_READER["reader"] = reader


_SET_SQL = """
UPDATE customers_customer AS c SET
    orders_count = COALESCE(t.orders_count, 0),
    total_spent = COALESCE(t.total_spent, 0),
    first_order_at = t.first_order_at,
    last_order_at = t.last_order_at,
    refunds_count = COALESCE(t.refunds_count, 0),
    refunded_amount = COALESCE(t.refunded_amount, 0)
FROM unnest(%(ids)s::bigint[]) AS target(customer_id)
LEFT JOIN unnest(%(totals_ids)s::bigint[], %(orders_count)s::int[], %(total_spent)s::numeric[],
                 %(first_order_at)s::timestamptz[], %(last_order_at)s::timestamptz[], %(refunds_count)s::int[],
                 %(refunded_amount)s::numeric[])
    AS t(customer_id, orders_count, total_spent, first_order_at, last_order_at, refunds_count, refunded_amount)
    ON t.customer_id = target.customer_id
WHERE c.shop_id = %(shop_id)s AND c.id = target.customer_id AND c.id = ANY(%(ids)s)
    -- A row whose stats are already right is not rewritten: stats columns are indexed, so a
    -- rewrite adds an entry to every index of the table (e.g. new customers of an order ingest).
    AND (c.orders_count, c.total_spent, c.first_order_at, c.last_order_at, c.refunds_count, c.refunded_amount)
        IS DISTINCT FROM (COALESCE(t.orders_count, 0), COALESCE(t.total_spent, 0), t.first_order_at,
                          t.last_order_at, COALESCE(t.refunds_count, 0), COALESCE(t.refunded_amount, 0))
"""


def customer_stats_set(*, shop: Shop, customer_ids: list[int], totals: dict[int, OrderTotals]) -> None:
    """Store these customers' order totals; customers absent from `totals` go back to zero."""
    assert shop.pk == require_shop_id(), "set in the scope of the shop it names"
    ids = sorted(set(customer_ids))
    if not ids:
        return
    columns = {name: [] for name in ("totals_ids", *OrderTotals._fields)}
    for customer_id, row in totals.items():
        columns["totals_ids"].append(customer_id)
        for name, value in row._asdict().items():
            # Strings: psycopg2 adapts lists of Decimals and datetimes in Python, of strings in C.
            columns[name].append(value if isinstance(value, int) else str(value))
    with connection.cursor() as cursor:
        cursor.execute(_SET_SQL, {"ids": ids, "shop_id": shop.pk, **columns})


def customer_stats_refresh(*, shop: Shop, customer_ids: list[int]) -> None:
    """Recompute these customers' stats from their orders (after a merge moved them)."""
    ids = sorted(set(customer_ids))
    if ids:
        customer_stats_set(shop=shop, customer_ids=ids, totals=_ORDER_TOTALS_READER["reader"](shop, ids))


_ADD_SQL = """
UPDATE customers_customer AS c SET
    orders_count = c.orders_count + added.orders_count,
    total_spent = c.total_spent + added.total_spent,
    first_order_at = LEAST(c.first_order_at, added.first_order_at),
    last_order_at = GREATEST(c.last_order_at, added.last_order_at)
FROM (
    SELECT customer_id, count(*) AS orders_count, sum(total) AS total_spent,
           min(placed_at) AS first_order_at, max(placed_at) AS last_order_at
    FROM unnest(%s::bigint[], %s::numeric[], %s::timestamptz[]) AS t(customer_id, total, placed_at)
    GROUP BY customer_id
) AS added
WHERE c.shop_id = {shop} AND c.id = added.customer_id AND c.id = ANY(%s)
"""
# `c.id = ANY(ids)` in both statements: an index condition on the primary key. With the
# join alone PostgreSQL hashes the batch and scans every customer of the shop.


def customer_stats_add(*, shop: Shop, orders: list[tuple]) -> None:
    """Count new qualifying orders, (customer_id, total, placed_at) each, into their
    customers' stats without re-reading the customers' order history: what keeps the
    order ingest's cost per batch flat as customers' histories grow. Only for orders
    inserted just now (an updated, moved or refunded order needs customer_stats_refresh).
    Increments commute, so concurrent batches for one customer add up."""
    assert shop.pk == require_shop_id(), "add in the scope of the shop it names"
    if not orders:
        return
    customer_ids, totals, times = zip(*orders, strict=True)
    with connection.cursor() as cursor:
        # Strings: psycopg2 adapts lists of Decimals and datetimes in Python, of strings in C.
        cursor.execute(
            _ADD_SQL.format(shop=shop_key(connection)),
            [
                list(customer_ids),
                [str(total) for total in totals],
                [time.isoformat() for time in times],
                shop.pk,
                sorted(set(customer_ids)),
            ],
        )
