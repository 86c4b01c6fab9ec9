"""The per-customer summary every scoring step reads, aggregated in PostgreSQL.

One statement over the shop's counted orders (orders.purchases.customer_purchase_totals_csv:
pending, cancelled and fully refunded orders are out, refunds up to the as-of moment are
deducted), sorted once by customer and purchase day in the shop's timezone and aggregated
per customer. The result comes back through COPY as CSV into pandas: a million customers
arrive in about a second, without Python objects per row. The statement returns whole days
and sums; the model inputs derived from them (weeks, means, calibration columns) are
computed here in pandas, which is exact for day counts and cheaper than dividing numerics
per customer in SQL and printing them with twenty digits.

A large shop's summary runs as two statements over the two halves of its customers at once,
the first on the run's own connection and the second on a connection of its own (see
SPLIT_MIN_CUSTOMERS and customer_summary_fetch).
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from django.db import connection

from crm.models import Shop
from crm.tenancy.context import require_shop_id, shop_scope
from customers.selectors import customer_id_median
from orders.purchases import customer_purchase_totals_csv

# A quarter: long enough to count repeat purchases, short enough to leave a calibration history.
HOLDOUT_DAYS = 91
REVENUE_WINDOW_DAYS = 30

# Settings for the summary statement alone (customer_summary_fetch restores the previous
# values after it): the shop's time zone (see `counted`); no JIT, whose compiling of this
# one-off statement costs more than it saves; a larger sort memory, so the per-worker sorts
# of a large shop do not spill; and no plain index scans: the statement reads most of the
# shop's orders, which a bitmap scan reads in table order instead of jumping between pages.
SUMMARY_SETTINGS = {"jit": "off", "work_mem": "64MB", "enable_indexscan": "off"}
# Splitting: in one statement the merge, window and per-customer aggregate after the parallel
# sort run in one process (PostgreSQL 15), so large shops run two statements at once, over the
# halves of their customers (split at the median id), each doing the whole pipeline. Each half
# uses a bitmap scan of the (shop, customer, placed_at) index and no parallel workers: a
# sequential scan would read every order of the shop, and workers would crowd the CPUs.
# Shops below SPLIT_MIN_CUSTOMERS stay one statement (a second connection costs more than it
# saves). Figures and the rejected variants: docs/performance.md, "Insights: scoring runs".
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
    """SUMMARY_DTYPES columns (model inputs in weeks) from the summary's days and sums."""
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
    other shops'; none below SPLIT_MIN_CUSTOMERS."""
    median = customer_id_median(shop=shop, min_customers=SPLIT_MIN_CUSTOMERS)
    return None if median is None else ((0, median), (median, MAX_BIGINT))


def _totals_read(*, shop: Shop, params: dict, customer_range: tuple[int, int] | None) -> pd.DataFrame:
    """The purchase totals (or one part of them) on this thread's connection, under SUMMARY_SETTINGS."""
    settings = SUMMARY_SETTINGS if customer_range is None else SUMMARY_PART_SETTINGS
    settings = {**settings, "TimeZone": shop.timezone}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(['current_setting(%s)'] * len(settings))}", list(settings))
        previous = dict(zip(settings, cursor.fetchone(), strict=True))
        _settings_local(cursor, settings)
        buffer = customer_purchase_totals_csv(shop=shop, params=params, customer_range=customer_range)
        _settings_local(cursor, previous)
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
