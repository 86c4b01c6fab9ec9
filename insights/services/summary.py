"""The per-customer summary every scoring step reads, aggregated in PostgreSQL.

One statement over the shop's qualifying orders (customers/scoring QUALIFYING_ORDER_STATUSES;
pending, cancelled and fully refunded orders are out, refunds up to the as-of moment are
deducted, orders left with nothing are out), sorted once by customer and purchase day in
the shop's timezone and aggregated per customer. The result comes back through COPY as CSV into
pandas: a million customers arrive in about a second, without Python objects per row. The
statement returns whole days and sums; the model inputs derived from them (weeks, means,
calibration columns) are computed here in pandas, which is exact for day counts and cheaper
than dividing numerics per customer in SQL and printing them with twenty digits.

A large shop's summary runs as two statements over the two halves of its customers at once,
the first on the run's own connection and the second on a connection of its own (see
SPLIT_MIN_CUSTOMERS and customer_summary_fetch).
"""

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from django.db import connection

from crm.models import Shop
from crm.tenancy.context import require_shop_id, shop_scope
from insights.scoring.rfm import QUALIFYING_ORDER_STATUSES

# A quarter: long enough to count repeat purchases, short enough to leave a calibration history.
HOLDOUT_DAYS = 91
REVENUE_WINDOW_DAYS = 30

SUMMARY_SQL_TEMPLATE = f"""
WITH refund_totals AS (
    SELECT refund.order_id, SUM(refund.amount) AS refunded
    FROM orders_refund AS refund
    WHERE refund.shop_id = %(shop_id)s AND refund.created_at <= %(as_of_end)s
    GROUP BY refund.order_id
),
counted AS (
    -- The session time zone is the shop's while this runs (customer_summary_fetch), so a
    -- plain cast gives the shop's calendar day without looking the zone up for every order.
    SELECT placed.customer_id,
           placed.placed_at::date AS purchase_day,
           CASE WHEN refund_totals.order_id IS NULL THEN placed.total
                ELSE placed.total - refund_totals.refunded END AS net_total
    FROM orders_order AS placed
    LEFT JOIN refund_totals ON refund_totals.order_id = placed.id
    WHERE placed.shop_id = %(shop_id)s{{customer_range}}
      AND placed.placed_at <= %(as_of_end)s
      AND placed.status IN ({", ".join(f"'{status}'" for status in QUALIFYING_ORDER_STATUSES)})
      AND (refund_totals.order_id IS NULL OR placed.total > refund_totals.refunded)
),
-- One sort by (customer, day) numbers each customer's purchase days (dense_rank: 1 on the
-- first day, the same number for orders on the same day), which answers every day-level
-- question in the per-customer aggregate below: the number of purchase days is the highest
-- number (before the calibration end too), repeat purchases are the orders numbered past 1.
-- Grouping by (customer, day) first and then by customer cost a second aggregation of ~all
-- rows. The one ranking replaced first_value() and lag() over the same window: 2 to 5
-- percent less on a 100,000-order shop, within noise on the million-customer one.
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
"""
SUMMARY_SQL = SUMMARY_SQL_TEMPLATE.replace("{customer_range}", "")
# One part of a split summary: the customers with ids in [customer_from, customer_to).
SUMMARY_PART_SQL = SUMMARY_SQL_TEMPLATE.replace(
    "{customer_range}", "\n      AND placed.customer_id >= %(customer_from)s AND placed.customer_id < %(customer_to)s"
)
# Settings for the summary statement alone (customer_summary_fetch restores the previous
# values after it): the shop's time zone (see `counted`); no JIT, whose compiling of this
# one-off statement costs seconds and saves nothing; a larger sort memory, which keeps the
# per-worker sorts of a large shop from spilling in many small runs; and no plain index
# scans: the statement reads most of the shop's orders, which a bitmap scan reads in table
# order where an index scan (the planner's pick for small shops, through the status index)
# jumps between pages: 10% of a 100,000-order shop's summary. Large shops are scanned in
# parallel either way.
SUMMARY_SETTINGS = {"jit": "off", "work_mem": "64MB", "enable_indexscan": "off"}
# Splitting. In one statement, the parallel workers scan and sort the orders, but the merge,
# the window and the per-customer aggregate after the sort run in one process (PostgreSQL
# 15), more than half of a million-customer summary. Two statements over the two halves of
# the shop's customers (split at the median id), at once on two connections, each do the
# whole pipeline for their customers: 1M customers / 10M orders on the 2-CPU bench box,
# 11.4-12.8 s instead of 14.5-15.2 s (floor 7.8-8.4 s). Each half reads its customers'
# orders through the (shop, customer, placed_at) index with a bitmap scan and no parallel
# workers of its own: with a sequential scan each reads every order of the shop (12.4-14.3
# s), with parallel workers the halves crowd the two CPUs (13.4-14.1 s); three or four parts
# were no faster. Shops below SPLIT_MIN_CUSTOMERS stay one statement (a second connection
# costs more than it saves).
SPLIT_MIN_CUSTOMERS = 50_000
MAX_BIGINT = 2**63 - 1
SUMMARY_PART_SETTINGS = {**SUMMARY_SETTINGS, "max_parallel_workers_per_gather": "0", "enable_seqscan": "off"}
# What the statement returns (cal_span_days is empty for customers who started buying
# after the calibration end, hence float).
SQL_DTYPES = {
    "customer_id": "int64",
    "recency_days": "int64",
    "frequency": "int64",
    "monetary": "float64",
    "purchase_days": "int64",
    "span_days": "int64",
    "age_days": "int64",
    "repeat_value": "float64",
    "revenue_30d": "float64",
    "cal_purchase_days": "int64",
    "cal_span_days": "float64",
}
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
        "as_of_end": as_of_end(shop=shop, as_of=as_of),
        "as_of_day": as_of,
        "revenue_since": as_of - timedelta(days=REVENUE_WINDOW_DAYS),
        "calibration_end": as_of - timedelta(days=holdout_days),
    }


def summary_from_totals(totals: pd.DataFrame, holdout_days: int) -> pd.DataFrame:
    """SUMMARY_DTYPES columns (model inputs in weeks) from SUMMARY_SQL's days and sums."""
    repeats = totals["purchase_days"] - 1
    calibrated = totals["cal_purchase_days"] > 0
    summary = pd.DataFrame(
        {
            "customer_id": totals["customer_id"],
            "recency_days": totals["recency_days"],
            "frequency": totals["frequency"],
            "monetary": totals["monetary"],
            "repeat_purchases": repeats,
            "recency_weeks": totals["span_days"] / 7,
            "age_weeks": totals["age_days"] / 7,
            "mean_repeat_value": np.where(repeats > 0, totals["repeat_value"] / repeats.clip(lower=1), 0.0),
            "revenue_30d": totals["revenue_30d"],
            "cal_repeat_purchases": (totals["cal_purchase_days"] - 1).where(calibrated),
            "cal_recency_weeks": totals["cal_span_days"] / 7,
            "cal_age_weeks": ((totals["age_days"] - holdout_days) / 7).where(calibrated),
            "holdout_purchase_days": totals["purchase_days"] - totals["cal_purchase_days"],
        }
    )
    return summary.astype(SUMMARY_DTYPES)


def _settings_local(cursor, settings: dict[str, str]) -> None:
    """Set each setting for the rest of the transaction (or until set again) in one round trip,
    a SET LOCAL statement each: Citus passes those on to its workers, not settings made by a
    function call."""
    cursor.execute("; ".join(f'SET LOCAL "{name}" = %s' for name in settings), list(settings.values()))


def _customer_halves(shop: Shop) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """[from, to) customer id ranges of the summary's two halves, split at the shop's median
    customer id so that each holds as many customers however the shop's ids are spread among
    other shops'; none below SPLIT_MIN_CUSTOMERS. (shop, id) order walks the shop's own index:
    MIN/MAX(id) made the planner walk the primary key through other shops' customers.)"""
    with connection.cursor() as cursor:
        # The median is looked for only when the shop is large enough to split.
        cursor.execute(
            "WITH shop_customers AS (SELECT COUNT(*) AS total FROM customers_customer WHERE shop_id = %(shop)s) "
            "SELECT CASE WHEN total >= %(enough)s THEN (SELECT id FROM customers_customer "
            "WHERE shop_id = %(shop)s ORDER BY shop_id, id OFFSET total / 2 LIMIT 1) END FROM shop_customers",
            {"shop": shop.pk, "enough": SPLIT_MIN_CUSTOMERS},
        )
        (median,) = cursor.fetchone()
    return None if median is None else ((0, median), (median, MAX_BIGINT))


def _totals_read(*, shop: Shop, params: dict, customer_range: tuple[int, int] | None) -> pd.DataFrame:
    """SUMMARY_SQL (or one part of it) on this thread's connection, under its settings."""
    sql, settings = SUMMARY_SQL, SUMMARY_SETTINGS
    if customer_range is not None:
        sql, settings = SUMMARY_PART_SQL, SUMMARY_PART_SETTINGS
        params = {**params, "customer_from": customer_range[0], "customer_to": customer_range[1]}
    settings = {**settings, "TimeZone": shop.timezone}
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(['current_setting(%s)'] * len(settings))}", list(settings))
        previous = dict(zip(settings, cursor.fetchone(), strict=True))
        _settings_local(cursor, settings)
        query = cursor.mogrify(sql, params)
        cursor.copy_expert(b"COPY (" + query + b" ORDER BY customer_id) TO STDOUT WITH (FORMAT csv, HEADER)", buffer)
        _settings_local(cursor, previous)
    buffer.seek(0)
    return pd.read_csv(buffer, dtype=SQL_DTYPES)


def _part_summary_own_connection(
    *, shop: Shop, params: dict, customer_range: tuple[int, int], holdout_days: int
) -> pd.DataFrame:
    """One part's summary from a connection of its own (this thread's), in its own transaction
    in the shop's scope. It reads what is committed when it starts, not the run's snapshot
    (none can be exported from the run's savepoint): each customer is still read by one
    statement, and only orders committed between the two parts' starts count for one half
    and not the other."""
    try:
        with shop_scope(shop.pk):
            totals = _totals_read(shop=shop, params=params, customer_range=customer_range)
    finally:
        connection.close()
    return summary_from_totals(totals, holdout_days)


def customer_summary_fetch(*, shop: Shop, as_of: date, holdout_days: int = HOLDOUT_DAYS) -> pd.DataFrame:
    """One row per customer with a qualifying order up to the end of `as_of` (shop time),
    ordered by customer id; columns SUMMARY_DTYPES. Run inside the shop's scope."""
    assert shop.pk == require_shop_id(), "summarize in the scope of the shop it names"
    params = summary_params(shop=shop, as_of=as_of, holdout_days=holdout_days)
    halves = _customer_halves(shop)
    if halves is None:
        return summary_from_totals(_totals_read(shop=shop, params=params, customer_range=None), holdout_days)
    lower, upper = halves
    # Each half's summary is computed in the thread its rows arrive in (it is row by row).
    with ThreadPoolExecutor(max_workers=1) as pool:
        upper_part = pool.submit(
            _part_summary_own_connection, shop=shop, params=params, customer_range=upper, holdout_days=holdout_days
        )
        lower_part = summary_from_totals(_totals_read(shop=shop, params=params, customer_range=lower), holdout_days)
        return pd.concat([lower_part, upper_part.result()], ignore_index=True)


def targeting_refused_ids(*, shop: Shop) -> list[int]:
    """Customers who refused automated targeting (PIPL art. 24): the run scores them into the
    shop-wide model and KPIs but stores no scores or segment for them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM customers_customer WHERE shop_id = %s AND is_automated_targeting_refused", [shop.pk]
        )
        return [row[0] for row in cursor.fetchall()]
