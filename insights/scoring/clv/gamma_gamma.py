"""Gamma-Gamma (Fader, Hardie & Lee 2005; Fader & Hardie 2013): spend per purchase, fitted on
repeat buyers' mean repeat spend by weighted maximum likelihood."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from insights.scoring.clv._fitting import (
    INSUFFICIENT_DATA,
    MIN_REPEAT_BUYERS,
    OK,
    DistinctRows,
    fit_distinct,
    fit_problem,
    require_ok,
    weighted_dot,
    weights_of,
)


@dataclass(frozen=True)
class GammaGammaFit:
    status: str
    reason: str = ""
    p: float | None = None
    q: float | None = None
    v: float | None = None
    repeat_buyers: int = 0
    log_likelihood: float | None = None

    @property
    def is_ok(self) -> bool:
        return self.status == OK

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _GammaGammaData:
    """Distinct (x, mean value) rows of repeat buyers and the parameter-free sums."""

    weights: np.ndarray
    weighted_x: np.ndarray
    total_value: np.ndarray
    x_values: np.ndarray
    weight_by_x: np.ndarray
    sum_x_log_total_value: float
    sum_log_mean_value: float
    total_weight: float


def _gamma_gamma_data(distinct: DistinctRows) -> _GammaGammaData:
    weights, x, mean_value = distinct.weights, distinct.values(0), distinct.values(1)
    x_values = distinct.uniques[0]
    return _GammaGammaData(
        weights=weights,
        weighted_x=weights * x,
        total_value=x * mean_value,
        x_values=x_values,
        weight_by_x=np.bincount(distinct.codes[0], weights, len(x_values)),
        sum_x_log_total_value=weighted_dot(weights, x * np.log(x * mean_value)),
        sum_log_mean_value=weighted_dot(weights, np.log(mean_value)),
        total_weight=float(weights.sum()),
    )


def _gamma_gamma_log_likelihood(params: np.ndarray, data: _GammaGammaData) -> tuple[float, np.ndarray]:
    """Weighted log-likelihood of mean spend per purchase (Fader & Hardie 2013) and its gradient.

    Per customer: lnG(px+q) - lnG(px) - lnG(q) + q ln v + (px-1) ln zbar + px ln x
    - (px+q) ln(v + x zbar). Only the last term needs per-row work, and it splits into sums
    weighted by x and by 1, which the gradient reuses.
    """
    p, q, v = params
    px = p * data.x_values
    log_denominator = np.log(v + data.total_value)
    inverse_denominator = 1 / (v + data.total_value)
    x_log_sum, log_sum = weighted_dot(data.weighted_x, log_denominator), weighted_dot(data.weights, log_denominator)
    total = data.total_weight
    log_likelihood = (
        weighted_dot(special.gammaln(px + q) - special.gammaln(px), data.weight_by_x)
        + total * (q * np.log(v) - special.gammaln(q))
        + p * (data.sum_x_log_total_value - x_log_sum)
        - q * log_sum
        - data.sum_log_mean_value
    )
    digamma_pxq = special.digamma(px + q)
    gradient = np.array(
        [
            weighted_dot(data.x_values * (digamma_pxq - special.digamma(px)), data.weight_by_x)
            + data.sum_x_log_total_value
            - x_log_sum,
            weighted_dot(digamma_pxq, data.weight_by_x) + total * (np.log(v) - special.digamma(q)) - log_sum,
            total * q / v
            - p * weighted_dot(data.weighted_x, inverse_denominator)
            - q * weighted_dot(data.weights, inverse_denominator),
        ]
    )
    return float(log_likelihood), gradient


def gamma_gamma_fit(summary: pd.DataFrame, *, min_repeat_buyers: int = MIN_REPEAT_BUYERS) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma parameters from repeat buyers' mean repeat spend.

    Uses rows with repeat_purchases > 0 and mean_repeat_value > 0 (Decimal accepted); an
    optional 'weight' column counts customers per row.
    """
    mean_value = summary["mean_repeat_value"].to_numpy(dtype="float64")
    repeat_purchases = summary["repeat_purchases"].to_numpy(dtype="int64")
    usable = (repeat_purchases > 0) & (mean_value > 0)
    weights = weights_of(summary)[usable]
    repeat_buyers = round(float(weights.sum()))
    if repeat_buyers < min_repeat_buyers:
        reason = f"{repeat_buyers} repeat buyers; the spend model needs at least {min_repeat_buyers}"
        return GammaGammaFit(INSUFFICIENT_DATA, reason, repeat_buyers=repeat_buyers)
    # Money is rescaled to a mean of 1 so the same starting point suits yuan, yen and dollars.
    scale = float(np.average(mean_value[usable], weights=weights))
    columns = [repeat_purchases[usable], mean_value[usable] / scale]
    result, data = fit_distinct(columns, weights, _gamma_gamma_data, _gamma_gamma_log_likelihood, 3)
    problem = fit_problem(result, ("p", "q", "v"))
    p, q, v = np.exp(result.x)
    if not problem and q <= 1:
        problem = "the fitted spend distribution has no finite mean (q <= 1)"
    if problem:
        return GammaGammaFit(INSUFFICIENT_DATA, problem, repeat_buyers=repeat_buyers)
    return GammaGammaFit(
        OK,
        p=float(p),
        q=float(q),
        v=float(v * scale),
        repeat_buyers=repeat_buyers,
        log_likelihood=float(-result.fun * data.total_weight - data.total_weight * np.log(scale)),
    )


def gamma_gamma_expected_value(fit: GammaGammaFit, repeat_purchases: Any, mean_repeat_value: Any) -> np.ndarray:
    """E[spend per purchase | x, zbar]: a weighted mix of the shop mean and the customer's own.

    Customers without repeat purchases get the shop-wide mean p v / (q - 1).
    """
    require_ok(fit)
    x = np.asarray(repeat_purchases, dtype="float64")
    mean_value = np.where(x > 0, np.asarray(mean_repeat_value, dtype="float64"), 0.0)
    return fit.p * (fit.v + x * mean_value) / (fit.p * x + fit.q - 1)
