"""Reads of counted orders for the apps that aggregate them: the customer order stats
(customers/stats.py stores them) and the per-customer purchase summary of insights.

Which orders count is OrderStatus.counted() with its refund rule; `counted_order_sql` is
its one SQL form, used by every statement here.
"""

import io

from django.db import connection

from crm.models import Shop
from crm.tenancy.context import require_shop_id
from customers.stats import OrderTotals
from orders.models import OrderStatus


def counted_order_sql(order: str, refunded: str) -> str:
    """SQL condition: the order row `order` counts, given `refunded`, the sum of its refunds
    (NULL when it has none)."""
    statuses = ", ".join(f"'{status}'" for status in OrderStatus.counted())
    return f"{order}.status IN ({statuses}) AND ({refunded} IS NULL OR {order}.total > {refunded})"


_TOTALS_SQL = f"""
SELECT placed.customer_id, count(*), sum(placed.total), min(placed.placed_at), max(placed.placed_at),
       COALESCE(sum(refund_totals.refunds), 0), COALESCE(sum(refund_totals.refunded), 0)
FROM orders_order AS placed
LEFT JOIN (
    SELECT refund.order_id, count(*) AS refunds, sum(refund.amount) AS refunded
    FROM orders_refund AS refund
    JOIN orders_order AS ord ON ord.shop_id = refund.shop_id AND ord.id = refund.order_id
    WHERE refund.shop_id = %(shop_id)s AND ord.customer_id = ANY(%(ids)s)
    GROUP BY refund.order_id
) AS refund_totals ON refund_totals.order_id = placed.id
WHERE placed.shop_id = %(shop_id)s AND placed.customer_id = ANY(%(ids)s)
  AND {counted_order_sql("placed", "refund_totals.refunded")}
GROUP BY placed.customer_id
"""


def customer_order_totals(shop: Shop, customer_ids: list[int]) -> dict[int, OrderTotals]:
    """The counted orders and their refunds per customer; customers without any are absent."""
    assert shop.pk == require_shop_id(), "read in the scope of the shop it names"
    with connection.cursor() as cursor:
        cursor.execute(_TOTALS_SQL, {"shop_id": shop.pk, "ids": sorted(set(customer_ids))})
        return {customer_id: OrderTotals(*totals) for customer_id, *totals in cursor.fetchall()}


# The per-customer purchase summary behind RFM, CLV and lifecycle (insights/services/summary.py
# sets the session's time zone to the shop's, so a plain cast gives the shop's calendar day).
_PURCHASE_TOTALS_SQL = f"""
WITH refund_totals AS (
    SELECT refund.order_id, SUM(refund.amount) AS refunded
    FROM orders_refund AS refund
    WHERE refund.shop_id = %(shop_id)s AND refund.created_at <= %(as_of_end)s
    GROUP BY refund.order_id
),
counted AS (
    SELECT placed.customer_id,
           placed.placed_at::date AS purchase_day,
           placed.total - COALESCE(refund_totals.refunded, 0) AS net_total
    FROM orders_order AS placed
    LEFT JOIN refund_totals ON refund_totals.order_id = placed.id
    WHERE placed.shop_id = %(shop_id)s{{customer_range}}
      AND placed.placed_at <= %(as_of_end)s
      AND {counted_order_sql("placed", "refund_totals.refunded")}
),
-- One sort by (customer, day) numbers each customer's purchase days (dense_rank: 1 on the
-- first day, the same number for orders on the same day), which answers every day-level
-- question in the per-customer aggregate below: the number of purchase days is the highest
-- number (before the calibration end too), repeat purchases are the orders numbered past 1.
by_day AS (
    SELECT customer_id, purchase_day, net_total,
           dense_rank() OVER (PARTITION BY customer_id ORDER BY purchase_day) AS day_number
    FROM counted
),
customer_totals AS (
    SELECT customer_id,
           MIN(purchase_day) AS first_day,
           MAX(purchase_day) AS last_day,
           MAX(day_number) AS purchase_days,
           COUNT(*) AS frequency,
           SUM(net_total) AS monetary,
           SUM(net_total) FILTER (WHERE day_number > 1) AS repeat_value,
           SUM(net_total) FILTER (WHERE purchase_day > %(revenue_since)s) AS revenue_30d,
           MAX(day_number) FILTER (WHERE purchase_day <= %(calibration_end)s) AS cal_purchase_days,
           MAX(purchase_day) FILTER (WHERE purchase_day <= %(calibration_end)s) AS cal_last_day
    FROM by_day
    GROUP BY customer_id
)
SELECT customer_id,
       %(as_of_day)s - last_day AS recency_days,
       frequency,
       monetary,
       purchase_days,
       last_day - first_day AS span_days,
       %(as_of_day)s - first_day AS age_days,
       COALESCE(repeat_value, 0) AS repeat_value,
       COALESCE(revenue_30d, 0) AS revenue_30d,
       COALESCE(cal_purchase_days, 0) AS cal_purchase_days,
       cal_last_day - first_day AS cal_span_days
FROM customer_totals
ORDER BY customer_id
"""
_PURCHASE_TOTALS_WHOLE_SQL = _PURCHASE_TOTALS_SQL.replace("{customer_range}", "")
_PURCHASE_TOTALS_PART_SQL = _PURCHASE_TOTALS_SQL.replace(
    "{customer_range}", "\n      AND placed.customer_id >= %(customer_from)s AND placed.customer_id < %(customer_to)s"
)


def customer_purchase_totals_csv(*, shop: Shop, params: dict, customer_range: tuple[int, int] | None) -> io.BytesIO:
    """Per customer with a counted order placed up to `as_of_end`, by customer id, as CSV with
    a header: recency_days, frequency, monetary (net of refunds up to `as_of_end`),
    purchase_days, span_days, age_days, repeat_value, revenue_30d, cal_purchase_days,
    cal_span_days. `params`: shop_id, as_of_end, as_of_day, revenue_since, calibration_end;
    `customer_range` limits it to customer ids in [from, to). Runs on this thread's
    connection under its session settings (purchase days are days in its time zone)."""
    assert shop.pk == require_shop_id() == params["shop_id"], "read in the scope of the shop it names"
    sql = _PURCHASE_TOTALS_WHOLE_SQL
    if customer_range is not None:
        sql = _PURCHASE_TOTALS_PART_SQL
        params = {**params, "customer_from": customer_range[0], "customer_to": customer_range[1]}
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params)
        cursor.copy_expert(b"COPY (" + query + b") TO STDOUT WITH (FORMAT csv, HEADER)", buffer)
    buffer.seek(0)
    return buffer
