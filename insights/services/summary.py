"""The per-customer summary every scoring step reads, aggregated in PostgreSQL.

One statement over the shop's qualifying orders (customers/scoring QUALIFYING_ORDER_STATUSES;
pending, cancelled and fully refunded orders are out, refunds up to the as-of moment are
deducted, orders left with nothing are out), sorted once by customer and purchase day in
the shop's timezone and aggregated per customer. The result comes back through COPY as CSV into
pandas: a million customers arrive in about a second, without Python objects per row.
"""

import io
from datetime import date, datetime, time, timedelta

import pandas as pd
from django.db import connection

from crm.models import Shop
from insights.scoring.rfm import QUALIFYING_ORDER_STATUSES

# A quarter: long enough to count repeat purchases, short enough to leave a calibration history.
HOLDOUT_DAYS = 91
REVENUE_WINDOW_DAYS = 30

SUMMARY_SQL = f"""
WITH refund_totals AS (
    SELECT refund.order_id, SUM(refund.amount) AS refunded
    FROM orders_refund AS refund
    WHERE refund.shop_id = %(shop_id)s AND refund.created_at <= %(as_of_end)s
    GROUP BY refund.order_id
),
counted AS (
    SELECT placed.customer_id,
           (placed.placed_at AT TIME ZONE %(tz)s)::date AS purchase_day,
           placed.total - COALESCE(refund_totals.refunded, 0) AS net_total
    FROM orders_order AS placed
    LEFT JOIN refund_totals ON refund_totals.order_id = placed.id
    WHERE placed.shop_id = %(shop_id)s
      AND placed.placed_at <= %(as_of_end)s
      AND placed.status IN ({", ".join(f"'{status}'" for status in QUALIFYING_ORDER_STATUSES)})
      AND placed.total - COALESCE(refund_totals.refunded, 0) > 0
),
-- One sort by (customer, day) serves both the day-level questions (is this order a new
-- purchase day? is it on the first one?) and the per-customer aggregate below; grouping
-- by (customer, day) first and then by customer costs a second aggregation of ~all rows.
by_day AS (
    SELECT customer_id, purchase_day, net_total,
           first_value(purchase_day) OVER customer_days AS first_day,
           purchase_day IS DISTINCT FROM lag(purchase_day) OVER customer_days AS is_new_day
    FROM counted
    WINDOW customer_days AS (PARTITION BY customer_id ORDER BY purchase_day)
),
customer_totals AS (
    SELECT customer_id,
           MIN(first_day) AS first_day,
           MAX(purchase_day) AS last_day,
           COUNT(*) FILTER (WHERE is_new_day) AS purchase_days,
           COUNT(*) AS frequency,
           SUM(net_total) AS monetary,
           SUM(net_total) FILTER (WHERE purchase_day = first_day) AS first_day_value,
           SUM(net_total) FILTER (WHERE purchase_day > %(revenue_since)s) AS revenue_30d,
           COUNT(*) FILTER (WHERE is_new_day AND purchase_day <= %(calibration_end)s) AS cal_purchase_days,
           MAX(purchase_day) FILTER (WHERE purchase_day <= %(calibration_end)s) AS cal_last_day
    FROM by_day
    GROUP BY customer_id
)
SELECT customer_id,
       %(as_of_day)s - last_day AS recency_days,
       frequency,
       monetary,
       purchase_days - 1 AS repeat_purchases,
       (last_day - first_day) / 7.0 AS recency_weeks,
       (%(as_of_day)s - first_day) / 7.0 AS age_weeks,
       CASE WHEN purchase_days > 1 THEN (monetary - first_day_value) / (purchase_days - 1) ELSE 0 END
           AS mean_repeat_value,
       COALESCE(revenue_30d, 0) AS revenue_30d,
       NULLIF(cal_purchase_days, 0) - 1 AS cal_repeat_purchases,
       (cal_last_day - first_day) / 7.0 AS cal_recency_weeks,
       CASE WHEN cal_purchase_days > 0 THEN (%(calibration_end)s - first_day) / 7.0 END AS cal_age_weeks,
       purchase_days - cal_purchase_days AS holdout_purchase_days
FROM customer_totals
"""
# Session settings for the summary statement, local to the run's transaction: JIT compiling
# this one-off statement costs seconds and saves nothing; a larger sort memory keeps the
# per-worker sorts of a large shop from spilling in many small runs.
SUMMARY_SETTINGS = ("SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'")

SUMMARY_DTYPES = {
    "customer_id": "int64",
    "recency_days": "int64",
    "frequency": "int64",
    "monetary": "float64",
    "repeat_purchases": "int64",
    "recency_weeks": "float64",
    "age_weeks": "float64",
    "mean_repeat_value": "float64",
    "revenue_30d": "float64",
    "cal_repeat_purchases": "float64",
    "cal_recency_weeks": "float64",
    "cal_age_weeks": "float64",
    "holdout_purchase_days": "int64",
}


def as_of_end(*, shop: Shop, as_of: date) -> datetime:
    """The last instant of the as-of day in the shop's timezone (orders up to it count)."""
    return datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=shop.tzinfo) - timedelta(microseconds=1)


def summary_params(*, shop: Shop, as_of: date, holdout_days: int = HOLDOUT_DAYS) -> dict:
    return {
        "shop_id": shop.pk,
        "tz": shop.timezone,
        "as_of_end": as_of_end(shop=shop, as_of=as_of),
        "as_of_day": as_of,
        "revenue_since": as_of - timedelta(days=REVENUE_WINDOW_DAYS),
        "calibration_end": as_of - timedelta(days=holdout_days),
    }


def customer_summary_fetch(*, shop: Shop, as_of: date, holdout_days: int = HOLDOUT_DAYS) -> pd.DataFrame:
    """One row per customer with a qualifying order up to the end of `as_of` (shop time),
    ordered by customer id; columns SUMMARY_DTYPES. Run inside the shop's scope."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        for setting in SUMMARY_SETTINGS:
            cursor.execute(setting)
        query = cursor.mogrify(SUMMARY_SQL, summary_params(shop=shop, as_of=as_of, holdout_days=holdout_days))
        cursor.copy_expert(b"COPY (" + query + b" ORDER BY customer_id) TO STDOUT WITH (FORMAT csv, HEADER)", buffer)
    buffer.seek(0)
    return pd.read_csv(buffer, dtype=SUMMARY_DTYPES)


def targeting_refused_ids(*, shop: Shop) -> list[int]:
    """Customers who refused automated targeting (PIPL art. 24): the run scores them into the
    shop-wide model and KPIs but stores no scores or segment for them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM customers_customer WHERE shop_id = %s AND is_automated_targeting_refused", [shop.pk]
        )
        return [row[0] for row in cursor.fetchall()]
