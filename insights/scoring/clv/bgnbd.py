"""BG/NBD (Fader, Hardie & Lee 2005): repeat purchases, P(alive) and expected purchases;
fitted by weighted maximum likelihood on distinct (x, t_x, T) rows, time unit weeks."""

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

TIME_UNIT = "weeks"
MIN_CUSTOMERS = 100
BGNBD_COLUMNS = ("repeat_purchases", "recency_weeks", "age_weeks")


@dataclass(frozen=True)
class BgNbdFit:
    status: str
    reason: str = ""
    r: float | None = None
    alpha: float | None = None
    a: float | None = None
    b: float | None = None
    customers: int = 0
    repeat_buyers: int = 0
    log_likelihood: float | None = None

    @property
    def is_ok(self) -> bool:
        return self.status == OK

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "time_unit": TIME_UNIT}


@dataclass(frozen=True)
class HoldoutCheck:
    customers: int
    holdout_weeks: float
    predicted_repeat_purchases: float
    actual_repeat_purchases: float
    relative_error: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _BgNbdData:
    """Distinct (x, t_x, T) rows. Terms of x alone or T alone are summed once per unique value;
    only the rows of repeat buyers need per-row work."""

    total_weight: float
    x_values: np.ndarray
    weight_by_x: np.ndarray
    age_values: np.ndarray
    weight_by_age: np.ndarray
    weighted_x_by_age: np.ndarray
    recency_values: np.ndarray
    sum_weighted_x: float
    repeat_weights: np.ndarray
    repeat_x: np.ndarray
    repeat_x_index: np.ndarray
    repeat_age_index: np.ndarray
    repeat_recency_index: np.ndarray


def _bgnbd_data(distinct: DistinctRows) -> _BgNbdData:
    (x_index, recency_index, age_index), (x_values, recency_values, age_values) = distinct.codes, distinct.uniques
    weights, x = distinct.weights, distinct.values(0)
    repeat = x > 0
    return _BgNbdData(
        total_weight=float(weights.sum()),
        x_values=x_values,
        weight_by_x=np.bincount(x_index, weights, len(x_values)),
        age_values=age_values,
        weight_by_age=np.bincount(age_index, weights, len(age_values)),
        weighted_x_by_age=np.bincount(age_index, weights * x, len(age_values)),
        recency_values=recency_values,
        sum_weighted_x=weighted_dot(weights, x),
        repeat_weights=weights[repeat],
        repeat_x=x[repeat],
        repeat_x_index=x_index[repeat],
        repeat_age_index=age_index[repeat],
        repeat_recency_index=recency_index[repeat],
    )


def _softplus_and_sigmoid(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log(1 + e^v) and 1 / (1 + e^-v), sharing one exp that cannot overflow."""
    small = np.exp(-np.abs(values))
    inverse = 1 / (1 + small)
    return np.maximum(values, 0) + np.log1p(small), np.where(values >= 0, inverse, small * inverse)


def _bgnbd_repeat_terms(params: np.ndarray, data: _BgNbdData) -> tuple[np.ndarray, ...]:
    """Per repeat-buyer row: softplus of the dropout log-odds, the weighted dropout share, and
    the log and inverse gaps between (alpha + t_x) and (alpha + T).

    A repeat buyer's likelihood adds "dropped out right after the last purchase at t_x" to
    "still active at T"; the log-odds compare the first with the second.
    """
    r, alpha, a, b = params
    shifted_x = np.maximum(data.x_values, 1.0)  # b + x - 1 is only used where x >= 1
    log_beta_ratio = special.betaln(a + 1, b + shifted_x - 1) - special.betaln(a, b + data.x_values)
    log_age = np.log(alpha + data.age_values)[data.repeat_age_index]
    log_gap = np.log(alpha + data.recency_values)[data.repeat_recency_index] - log_age
    log_odds = log_beta_ratio[data.repeat_x_index] - (r + data.repeat_x) * log_gap
    softplus, dropout_share = _softplus_and_sigmoid(log_odds)
    inverse_age = 1 / (alpha + data.age_values)
    inverse_gap = (1 / (alpha + data.recency_values))[data.repeat_recency_index] - inverse_age[data.repeat_age_index]
    return softplus, data.repeat_weights * dropout_share, log_gap, inverse_gap


def _bgnbd_log_likelihood(params: np.ndarray, data: _BgNbdData) -> tuple[float, np.ndarray]:
    """Weighted log-likelihood (FHL 2005, section 3) and its gradient in (r, alpha, a, b)."""
    r, alpha, a, b = params
    x_values, total, weight_by_x = data.x_values, data.total_weight, data.weight_by_x
    softplus, weighted_share, log_gap, inverse_gap = _bgnbd_repeat_terms(params, data)
    log_age_values, inverse_age_values = np.log(alpha + data.age_values), 1 / (alpha + data.age_values)
    shape_by_age = r * data.weight_by_age + data.weighted_x_by_age
    log_likelihood = (
        weighted_dot(special.gammaln(r + x_values) + special.betaln(a, b + x_values), weight_by_x)
        - weighted_dot(shape_by_age, log_age_values)
        + weighted_dot(data.repeat_weights, softplus)
        + total * (r * np.log(alpha) - special.gammaln(r) - special.betaln(a, b))
    )
    dropout_by_x = np.bincount(data.repeat_x_index, weighted_share, len(x_values))
    digamma_abx = special.digamma(a + b + x_values)
    gradient = np.array(
        [
            weighted_dot(special.digamma(r + x_values), weight_by_x)
            + total * (np.log(alpha) - special.digamma(r))
            - weighted_dot(data.weight_by_age, log_age_values)
            - weighted_dot(weighted_share, log_gap),
            total * r / alpha
            - weighted_dot(shape_by_age, inverse_age_values)
            - weighted_dot(weighted_share, (r + data.repeat_x) * inverse_gap),
            weighted_dot(special.digamma(a) - digamma_abx, weight_by_x)
            + dropout_by_x.sum() / a
            - total * (special.digamma(a) - special.digamma(a + b)),
            weighted_dot(special.digamma(b + x_values) - digamma_abx, weight_by_x)
            - weighted_dot(dropout_by_x, 1 / (b + np.maximum(x_values, 1.0) - 1))
            - total * (special.digamma(b) - special.digamma(a + b)),
        ]
    )
    return float(log_likelihood), gradient


def _bgnbd_too_little(customers: float, repeat_buyers: float, min_customers: int, min_repeat_buyers: int) -> str:
    if customers < min_customers:
        return f"{customers:.0f} customers; the model needs at least {min_customers}"
    if repeat_buyers < min_repeat_buyers:
        return f"{repeat_buyers:.0f} repeat buyers; the model needs at least {min_repeat_buyers}"
    return ""


def bgnbd_fit(
    summary: pd.DataFrame, *, min_customers: int = MIN_CUSTOMERS, min_repeat_buyers: int = MIN_REPEAT_BUYERS
) -> BgNbdFit:
    """Maximum-likelihood BG/NBD parameters (time unit weeks) for one shop's customers.

    Needs repeat_purchases, recency_weeks and age_weeks; an optional 'weight' column counts
    customers per row. Too little history gives status "insufficient_data" with the reason.
    """
    weights = weights_of(summary)
    repeat_purchases, recency, age = (summary[column].to_numpy(dtype="float64") for column in BGNBD_COLUMNS)
    if np.any(recency < 0) or np.any(recency > age) or np.any((repeat_purchases == 0) & (recency != 0)):
        raise ValueError("each row needs 0 <= recency_weeks <= age_weeks, and recency_weeks = 0 without repeats")
    customers, repeat_buyers = float(weights.sum()), float(weights[repeat_purchases > 0].sum())
    problem = _bgnbd_too_little(customers, repeat_buyers, min_customers, min_repeat_buyers)
    if problem:
        return BgNbdFit(INSUFFICIENT_DATA, problem, customers=round(customers), repeat_buyers=round(repeat_buyers))
    # Rescaling time so the longest history is 10 units puts every parameter near 1 at start.
    scale = 10 / max(float(age.max()), 1e-9)
    columns = [repeat_purchases, recency * scale, age * scale]
    result, data = fit_distinct(columns, weights, _bgnbd_data, _bgnbd_log_likelihood, 4)
    problem = fit_problem(result, ("r", "alpha", "a", "b"))
    counts = {"customers": round(customers), "repeat_buyers": round(repeat_buyers)}
    if problem:
        return BgNbdFit(INSUFFICIENT_DATA, problem, **counts)
    r, alpha, a, b = np.exp(result.x)
    # Rescaling time multiplies each purchase's density by scale, so the log-likelihood in
    # weeks adds log(scale) per repeat purchase back.
    log_likelihood = -result.fun * data.total_weight + np.log(scale) * data.sum_weighted_x
    return BgNbdFit(
        OK,
        r=float(r),
        alpha=float(alpha / scale),
        a=float(a),
        b=float(b),
        log_likelihood=float(log_likelihood),
        **counts,
    )


def _bgnbd_arrays(*values: Any) -> list[np.ndarray]:
    return [np.asarray(value, dtype="float64") for value in values]


def bgnbd_p_alive(fit: BgNbdFit, repeat_purchases: Any, recency_weeks: Any, age_weeks: Any) -> np.ndarray:
    """P(still active | x, t_x, T) (Fader, Hardie & Lee, "Computing P(alive) Using the BG/NBD
    Model", 2008); 1 for x = 0, since the model only lets customers drop out after a repeat."""
    require_ok(fit)
    x, recency, age = _bgnbd_arrays(repeat_purchases, recency_weeks, age_weeks)
    repeat_x = np.where(x > 0, x, 1.0)
    log_odds_dead = (
        np.log(fit.a)
        - np.log(fit.b + repeat_x - 1)
        + (fit.r + x) * (np.log(fit.alpha + age) - np.log(fit.alpha + recency))
    )
    return np.where(x > 0, special.expit(-log_odds_dead), 1.0)


def expected_purchases_if_alive(fit: BgNbdFit, weeks: Any, repeat_purchases: Any, age_weeks: Any) -> np.ndarray:
    """E[purchases in (T, T + t] | x, T, still active] (FHL 2005 eq. 10 without P(alive)).

    Eq. 10's ((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b+x; a+b+x-1; z) is rewritten with
    Euler's transformation as (1-z)^(a-1) * 2F1(a+b-1-r, a-1; a+b+x-1; z): the same value, but
    the series no longer grows with x, so large frequencies neither overflow nor lose digits.
    """
    weeks, x, age = _bgnbd_arrays(weeks, repeat_purchases, age_weeks)
    z = weeks / (fit.alpha + age + weeks)
    c = fit.a + fit.b + x - 1
    hypergeometric = special.hyp2f1(fit.a + fit.b - 1 - fit.r, fit.a - 1, c, z)
    return c / (fit.a - 1) * (1 - (1 - z) ** (fit.a - 1) * hypergeometric)


def bgnbd_expected_purchases(
    fit: BgNbdFit, weeks: Any, repeat_purchases: Any, recency_weeks: Any, age_weeks: Any
) -> np.ndarray:
    """Expected purchases in the next `weeks` given each customer's history (FHL 2005 eq. 10)."""
    alive = bgnbd_p_alive(fit, repeat_purchases, recency_weeks, age_weeks)
    return alive * expected_purchases_if_alive(fit, weeks, repeat_purchases, age_weeks)


def bgnbd_holdout_check(
    calibration_summary: pd.DataFrame, holdout_repeat_purchases: pd.Series, fit: BgNbdFit, holdout_weeks: float
) -> HoldoutCheck:
    """Predicted vs actual total purchases in a holdout period after the calibration date.

    holdout_repeat_purchases maps customer_id -> purchase days in the holdout (missing = 0),
    e.g. the summary's holdout_purchase_days; customers first seen in the holdout do not count.
    """
    actual = holdout_repeat_purchases.reindex(calibration_summary["customer_id"]).fillna(0).to_numpy(dtype="float64")
    predicted = bgnbd_expected_purchases(fit, holdout_weeks, *(calibration_summary[column] for column in BGNBD_COLUMNS))
    actual_total, predicted_total = float(actual.sum()), float(predicted.sum())
    return HoldoutCheck(
        customers=len(calibration_summary),
        holdout_weeks=float(holdout_weeks),
        predicted_repeat_purchases=predicted_total,
        actual_repeat_purchases=actual_total,
        relative_error=(predicted_total - actual_total) / actual_total if actual_total else None,
    )
