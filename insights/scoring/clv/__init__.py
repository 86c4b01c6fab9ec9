"""Customer lifetime value: BG/NBD for repeat purchases and P(alive), Gamma-Gamma for spend.

BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to
the Pareto/NBD Model", Marketing Science 24(2). Gamma-Gamma: Fader, Hardie & Lee (2005), "RFM
and CLV: Using Iso-Value Curves for Customer Base Analysis", JMR 42(4), and Fader & Hardie's
note "The Gamma-Gamma Model of Monetary Value" (2013).

Pure functions over the per-customer summary (insights/services/summary.py:
repeat_purchases, recency_weeks, age_weeks, mean_repeat_value); time unit weeks, one purchase
per customer per day. The package: _fitting (weighted maximum likelihood on distinct rows),
bgnbd, gamma_gamma, and the CLV here. Both fits run on distinct rows with weights (customer
counts), so their cost follows the number of distinct histories, not the number of customers.
Money comes back as float model estimates; the caller quantizes to the shop currency
(Decimal, e.g. 0.01) when it persists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights.scoring.clv._fitting import (
    INSUFFICIENT_DATA,
    MIN_REPEAT_BUYERS,
    OK,
    WARM_START_ROWS,
    distinct_rows,
    require_ok,
)
from insights.scoring.clv.bgnbd import (
    BGNBD_COLUMNS,
    MIN_CUSTOMERS,
    TIME_UNIT,
    BgNbdFit,
    HoldoutCheck,
    bgnbd_expected_purchases,
    bgnbd_fit,
    bgnbd_holdout_check,
    bgnbd_p_alive,
    expected_purchases_if_alive,
)
from insights.scoring.clv.gamma_gamma import GammaGammaFit, gamma_gamma_expected_value, gamma_gamma_fit

WEEKS_PER_MONTH = 365.25 / 12 / 7
PURCHASE_WINDOW_WEEKS = 90 / 7
CLV_HORIZON_MONTHS = 12
# 1% a month is about 12.7% a year: a typical cost of capital for a small retailer.
MONTHLY_DISCOUNT_RATE = 0.01

__all__ = [
    "BGNBD_COLUMNS", "CLV_HORIZON_MONTHS", "INSUFFICIENT_DATA", "MIN_CUSTOMERS", "MIN_REPEAT_BUYERS",
    "MONTHLY_DISCOUNT_RATE", "OK", "PURCHASE_WINDOW_WEEKS", "TIME_UNIT", "WARM_START_ROWS", "WEEKS_PER_MONTH",
    "BgNbdFit", "GammaGammaFit", "HoldoutCheck", "bgnbd_expected_purchases", "bgnbd_fit", "bgnbd_holdout_check",
    "bgnbd_p_alive", "clv_compute", "gamma_gamma_expected_value", "gamma_gamma_fit",
]  # fmt: skip


def _discounted_purchases_if_alive(
    fit: BgNbdFit, repeat_purchases: np.ndarray, age_weeks: np.ndarray, months: int, monthly_discount_rate: float
) -> np.ndarray:
    """Sum over months m of (expected purchases in month m) / (1 + rate)^m, for an active customer."""
    cumulative = [np.zeros(len(repeat_purchases))]
    for month in range(1, months + 1):
        cumulative.append(expected_purchases_if_alive(fit, month * WEEKS_PER_MONTH, repeat_purchases, age_weeks))
    per_month = np.diff(np.stack(cumulative), axis=0)
    discount = (1.0 + monthly_discount_rate) ** -np.arange(1, months + 1)
    return np.einsum("m,mn->n", discount, per_month)


def clv_compute(
    summary: pd.DataFrame,
    bgnbd: BgNbdFit,
    gamma_gamma: GammaGammaFit,
    *,
    horizon_months: int = CLV_HORIZON_MONTHS,
    monthly_discount_rate: float = MONTHLY_DISCOUNT_RATE,
) -> pd.DataFrame:
    """Per customer: p_alive, expected_purchases_90d, expected_order_value and clv.

    clv = sum over the next horizon_months months of expected purchases that month times
    expected order value, discounted by monthly_discount_rate. The BG/NBD fit must be ok; when
    the Gamma-Gamma fit is not, the two money columns are NaN (store NULL, show its reason).
    Money columns are floats: quantize them to the shop currency when persisting.
    """
    require_ok(bgnbd)
    x, recency, age = (summary[column].to_numpy(dtype="float64") for column in BGNBD_COLUMNS)
    # The hypergeometric part depends on (x, T) only; there are far fewer distinct pairs than customers.
    pairs = distinct_rows([x, age], np.ones(len(x)))
    pair_x, pair_age, pair_index = pairs.values(0), pairs.values(1), pairs.row_group
    alive = bgnbd_p_alive(bgnbd, x, recency, age)
    purchases_window = expected_purchases_if_alive(bgnbd, PURCHASE_WINDOW_WEEKS, pair_x, pair_age)[pair_index]
    discounted = _discounted_purchases_if_alive(bgnbd, pair_x, pair_age, horizon_months, monthly_discount_rate)
    if gamma_gamma.is_ok:
        order_value = gamma_gamma_expected_value(gamma_gamma, x, summary["mean_repeat_value"].to_numpy(dtype="float64"))
    else:
        order_value = np.full(len(x), np.nan)
    return pd.DataFrame(
        {
            "customer_id": summary["customer_id"].to_numpy(),
            "p_alive": alive,
            "expected_purchases_90d": alive * purchases_window,
            "expected_order_value": order_value,
            "clv": alive * discounted[pair_index] * order_value,
        },
        index=summary.index,
    )
