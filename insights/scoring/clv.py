"""Customer lifetime value: BG/NBD for repeat purchases and P(alive), Gamma-Gamma for spend.

BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to
the Pareto/NBD Model", Marketing Science 24(2). Gamma-Gamma: Fader, Hardie & Lee (2005), "RFM
and CLV: Using Iso-Value Curves for Customer Base Analysis", JMR 42(4), and Fader & Hardie's
note "The Gamma-Gamma Model of Monetary Value" (2013).

Pure functions over the per-customer summary of SUMMARY_SQL (insights/services/summary.py) (columns repeat_purchases,
recency_weeks, age_weeks, mean_repeat_value); time unit weeks, one purchase per customer per
day. Both fits run on distinct rows with weights (customer counts), so their cost follows the
number of distinct histories, not the number of customers. Money comes back as float model
estimates; the caller quantizes to the shop currency (Decimal, e.g. 0.01) when it persists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

OK = "ok"
INSUFFICIENT_DATA = "insufficient_data"
TIME_UNIT = "weeks"
WEEKS_PER_MONTH = 365.25 / 12 / 7
PURCHASE_WINDOW_WEEKS = 90 / 7
CLV_HORIZON_MONTHS = 12
# 1% a month is about 12.7% a year: a typical cost of capital for a small retailer.
MONTHLY_DISCOUNT_RATE = 0.01
MIN_CUSTOMERS = 100
MIN_REPEAT_BUYERS = 30
# Parameters are fitted as logarithms inside these bounds (time rescaled to at most 10 units,
# money to a mean of 1, where real shops give values near 1). An estimate beyond 1e4 or below
# 1e-4 means the history does not pin that parameter down: the likelihood keeps improving as
# it runs off to an extreme, e.g. when every customer has the same history.
LOG_PARAMETER_BOUND = np.log(1e6)
LOG_PARAMETER_DETERMINED = np.log(1e4)
WARM_START_ROWS = 20_000
# Stopping rules on the mean log-likelihood over log-parameters: rough for the warm start,
# precise (parameters to about 1e-7) for a final answer.
ROUGH_STOP = {"ftol": 1e-10, "gtol": 1e-6}
PRECISE_STOP = {"ftol": 1e-14, "gtol": 1e-9}

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
        return {
            "status": self.status,
            "reason": self.reason,
            "r": self.r,
            "alpha": self.alpha,
            "a": self.a,
            "b": self.b,
            "time_unit": TIME_UNIT,
            "customers": self.customers,
            "repeat_buyers": self.repeat_buyers,
            "log_likelihood": self.log_likelihood,
        }


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
        return {
            "status": self.status,
            "reason": self.reason,
            "p": self.p,
            "q": self.q,
            "v": self.v,
            "repeat_buyers": self.repeat_buyers,
            "log_likelihood": self.log_likelihood,
        }


@dataclass(frozen=True)
class HoldoutCheck:
    customers: int
    holdout_weeks: float
    predicted_repeat_purchases: float
    actual_repeat_purchases: float
    relative_error: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# Shared fitting machinery ---------------------------------------------------------------------


def _weights(summary: pd.DataFrame) -> np.ndarray:
    """A 'weight' column (customers per row) lets callers pass pre-aggregated rows."""
    if "weight" in summary.columns:
        return summary["weight"].to_numpy(dtype="float64")
    return np.ones(len(summary))


@dataclass(frozen=True)
class _DistinctRows:
    """Distinct combinations of some columns: each column as codes into its unique values."""

    codes: list[np.ndarray]
    uniques: list[np.ndarray]
    weights: np.ndarray
    row_group: np.ndarray  # which distinct row each input row is

    def values(self, column: int) -> np.ndarray:
        return self.uniques[column][self.codes[column]]

    def subset(self, keep: np.ndarray) -> _DistinctRows:
        return _DistinctRows([codes[keep] for codes in self.codes], self.uniques, self.weights[keep], self.row_group)


def _distinct_rows(columns: list[np.ndarray], weights: np.ndarray) -> _DistinctRows:
    factorized = [pd.factorize(column) for column in columns]
    codes = [column_codes for column_codes, _ in factorized]
    uniques = [np.asarray(column_uniques, dtype="float64") for _, column_uniques in factorized]
    combined = np.ravel_multi_index(codes, [len(values) for values in uniques]) if len(columns) > 1 else codes[0]
    row_group, distinct_keys = pd.factorize(combined)
    distinct_count = len(distinct_keys)
    representative = np.empty(distinct_count, dtype="int64")
    representative[row_group] = np.arange(len(row_group))
    return _DistinctRows(
        codes=[column_codes[representative] for column_codes in codes],
        uniques=uniques,
        weights=np.bincount(row_group, weights, distinct_count),
        row_group=row_group,
    )


def _dot(left: np.ndarray, right: np.ndarray) -> float:
    """Dot product without BLAS: OpenBLAS threads stall for tens of milliseconds per call when
    other processes share the cores (a worker next to web and database), which made fits 20x
    slower in measurements here; einsum's own loop is as fast single-threaded."""
    return float(np.einsum("i,i->", left, right))


def _minimize_bounded(objective: Callable, start: np.ndarray, *, precise: bool) -> optimize.OptimizeResult:
    bounds = [(-LOG_PARAMETER_BOUND, LOG_PARAMETER_BOUND)] * len(start)
    return optimize.minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 1000, **(PRECISE_STOP if precise else ROUGH_STOP)},
    )


def _inverse_hessian(objective: Callable, point: np.ndarray, step: float = 1e-4) -> np.ndarray | None:
    """Inverse Hessian from central differences of the analytic gradient, or None when the
    point is not an interior minimum (then there is nothing to polish)."""
    if not np.all(np.isfinite(point)) or np.any(np.abs(point) > LOG_PARAMETER_BOUND - 1):
        return None
    rows = [
        (objective(point + step * unit)[1] - objective(point - step * unit)[1]) / (2 * step)
        for unit in np.eye(len(point))
    ]
    hessian = (np.array(rows) + np.array(rows).T) / 2
    if not np.all(np.isfinite(hessian)) or np.linalg.eigvalsh(hessian).min() <= 0:
        return None
    inverse = np.linalg.inv(hessian)
    return (inverse + inverse.T) / 2


def _log_space(log_likelihood: Callable, data: Any) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Negative mean log-likelihood over log-parameters, the form the optimiser minimises."""

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        value, gradient = log_likelihood(params, data)
        if not np.isfinite(value):
            return np.inf, np.zeros_like(log_params)
        return -value / data.total_weight, -gradient * params / data.total_weight

    return objective


def _fit_distinct(
    columns: list[np.ndarray], weights: np.ndarray, build: Callable, log_likelihood: Callable, parameter_count: int
) -> tuple[optimize.OptimizeResult, Any]:
    """Maximise the weighted log-likelihood over the distinct rows of the columns.

    The bounded search runs on at most WARM_START_ROWS distinct rows (a fixed random subset:
    an unbiased estimate of the same likelihood). Quasi-Newton steps on all rows, started
    from that subset's optimum and curvature, then need only a handful of evaluations of the
    full likelihood, which is what costs time for a million customers.
    """
    distinct = _distinct_rows(columns, weights)
    data = build(distinct)
    full_objective = warm_objective = _log_space(log_likelihood, data)
    if len(distinct.weights) > WARM_START_ROWS:
        keep = np.random.default_rng(0).random(len(distinct.weights)) < WARM_START_ROWS / len(distinct.weights)
        warm_objective = _log_space(log_likelihood, build(distinct.subset(keep)))
    # The warm search only needs to get close: the polish below decides the last digits.
    warm = _minimize_bounded(warm_objective, np.zeros(parameter_count), precise=False)
    inverse_hessian = _inverse_hessian(warm_objective, warm.x)
    if inverse_hessian is None:
        return _minimize_bounded(full_objective, warm.x, precise=True), data
    polished = optimize.minimize(
        full_objective,
        warm.x,
        jac=True,
        method="BFGS",
        options={"gtol": 1e-7, "maxiter": 100, "hess_inv0": inverse_hessian},
    )
    return polished, data


def _fit_problem(result: optimize.OptimizeResult, names: tuple[str, ...]) -> str:
    """Why a finished optimisation cannot be used, or '' when it can."""
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        return "the likelihood could not be evaluated on this history"
    extreme = [name for name, value in zip(names, result.x, strict=True) if abs(value) > LOG_PARAMETER_DETERMINED]
    if extreme:
        return f"the history does not determine {', '.join(extreme)} (the estimate runs off to an extreme)"
    if not result.success and np.max(np.abs(result.jac)) > 1e-5:
        return f"the fit did not converge: {result.message}"
    return ""


# BG/NBD ---------------------------------------------------------------------------------------


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


def _bgnbd_data(distinct: _DistinctRows) -> _BgNbdData:
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
        sum_weighted_x=_dot(weights, x),
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
        _dot(special.gammaln(r + x_values) + special.betaln(a, b + x_values), weight_by_x)
        - _dot(shape_by_age, log_age_values)
        + _dot(data.repeat_weights, softplus)
        + total * (r * np.log(alpha) - special.gammaln(r) - special.betaln(a, b))
    )
    dropout_by_x = np.bincount(data.repeat_x_index, weighted_share, len(x_values))
    digamma_abx = special.digamma(a + b + x_values)
    gradient = np.array(
        [
            _dot(special.digamma(r + x_values), weight_by_x)
            + total * (np.log(alpha) - special.digamma(r))
            - _dot(data.weight_by_age, log_age_values)
            - _dot(weighted_share, log_gap),
            total * r / alpha
            - _dot(shape_by_age, inverse_age_values)
            - _dot(weighted_share, (r + data.repeat_x) * inverse_gap),
            _dot(special.digamma(a) - digamma_abx, weight_by_x)
            + dropout_by_x.sum() / a
            - total * (special.digamma(a) - special.digamma(a + b)),
            _dot(special.digamma(b + x_values) - digamma_abx, weight_by_x)
            - _dot(dropout_by_x, 1 / (b + np.maximum(x_values, 1.0) - 1))
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
    weights = _weights(summary)
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
    result, data = _fit_distinct(columns, weights, _bgnbd_data, _bgnbd_log_likelihood, 4)
    problem = _fit_problem(result, ("r", "alpha", "a", "b"))
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


def _require_ok(fit: BgNbdFit | GammaGammaFit) -> None:
    if not fit.is_ok:
        raise ValueError(f"the fit is not usable ({fit.status}: {fit.reason})")


def bgnbd_p_alive(fit: BgNbdFit, repeat_purchases: Any, recency_weeks: Any, age_weeks: Any) -> np.ndarray:
    """P(still active | x, t_x, T) (Fader, Hardie & Lee, "Computing P(alive) Using the BG/NBD
    Model", 2008); 1 for x = 0, since the model only lets customers drop out after a repeat."""
    _require_ok(fit)
    x, recency, age = _bgnbd_arrays(repeat_purchases, recency_weeks, age_weeks)
    repeat_x = np.where(x > 0, x, 1.0)
    log_odds_dead = (
        np.log(fit.a)
        - np.log(fit.b + repeat_x - 1)
        + (fit.r + x) * (np.log(fit.alpha + age) - np.log(fit.alpha + recency))
    )
    return np.where(x > 0, special.expit(-log_odds_dead), 1.0)


def _expected_purchases_if_alive(fit: BgNbdFit, weeks: Any, repeat_purchases: Any, age_weeks: Any) -> np.ndarray:
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
    return alive * _expected_purchases_if_alive(fit, weeks, repeat_purchases, age_weeks)


def bgnbd_holdout_check(
    calibration_summary: pd.DataFrame, holdout_repeat_purchases: pd.Series, fit: BgNbdFit, holdout_weeks: float
) -> HoldoutCheck:
    """Predicted vs actual total purchases in a holdout period after the calibration date.

    holdout_repeat_purchases maps customer_id -> purchase days in the holdout (missing = 0),
    e.g. SUMMARY_SQL's holdout_purchase_days; customers first seen in the holdout do not count.
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


# Gamma-Gamma ----------------------------------------------------------------------------------


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


def _gamma_gamma_data(distinct: _DistinctRows) -> _GammaGammaData:
    weights, x, mean_value = distinct.weights, distinct.values(0), distinct.values(1)
    x_values = distinct.uniques[0]
    return _GammaGammaData(
        weights=weights,
        weighted_x=weights * x,
        total_value=x * mean_value,
        x_values=x_values,
        weight_by_x=np.bincount(distinct.codes[0], weights, len(x_values)),
        sum_x_log_total_value=_dot(weights, x * np.log(x * mean_value)),
        sum_log_mean_value=_dot(weights, np.log(mean_value)),
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
    x_log_sum, log_sum = _dot(data.weighted_x, log_denominator), _dot(data.weights, log_denominator)
    total = data.total_weight
    log_likelihood = (
        _dot(special.gammaln(px + q) - special.gammaln(px), data.weight_by_x)
        + total * (q * np.log(v) - special.gammaln(q))
        + p * (data.sum_x_log_total_value - x_log_sum)
        - q * log_sum
        - data.sum_log_mean_value
    )
    digamma_pxq = special.digamma(px + q)
    gradient = np.array(
        [
            _dot(data.x_values * (digamma_pxq - special.digamma(px)), data.weight_by_x)
            + data.sum_x_log_total_value
            - x_log_sum,
            _dot(digamma_pxq, data.weight_by_x) + total * (np.log(v) - special.digamma(q)) - log_sum,
            total * q / v
            - p * _dot(data.weighted_x, inverse_denominator)
            - q * _dot(data.weights, inverse_denominator),
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
    weights = _weights(summary)[usable]
    repeat_buyers = round(float(weights.sum()))
    if repeat_buyers < min_repeat_buyers:
        reason = f"{repeat_buyers} repeat buyers; the spend model needs at least {min_repeat_buyers}"
        return GammaGammaFit(INSUFFICIENT_DATA, reason, repeat_buyers=repeat_buyers)
    # Money is rescaled to a mean of 1 so the same starting point suits yuan, yen and dollars.
    scale = float(np.average(mean_value[usable], weights=weights))
    columns = [repeat_purchases[usable], mean_value[usable] / scale]
    result, data = _fit_distinct(columns, weights, _gamma_gamma_data, _gamma_gamma_log_likelihood, 3)
    problem = _fit_problem(result, ("p", "q", "v"))
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
    _require_ok(fit)
    x = np.asarray(repeat_purchases, dtype="float64")
    mean_value = np.where(x > 0, np.asarray(mean_repeat_value, dtype="float64"), 0.0)
    return fit.p * (fit.v + x * mean_value) / (fit.p * x + fit.q - 1)


# CLV ------------------------------------------------------------------------------------------


def _discounted_purchases_if_alive(
    fit: BgNbdFit, repeat_purchases: np.ndarray, age_weeks: np.ndarray, months: int, monthly_discount_rate: float
) -> np.ndarray:
    """Sum over months m of (expected purchases in month m) / (1 + rate)^m, for an active customer."""
    cumulative = [np.zeros(len(repeat_purchases))]
    for month in range(1, months + 1):
        cumulative.append(_expected_purchases_if_alive(fit, month * WEEKS_PER_MONTH, repeat_purchases, age_weeks))
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
    _require_ok(bgnbd)
    x, recency, age = (summary[column].to_numpy(dtype="float64") for column in BGNBD_COLUMNS)
    # The hypergeometric part depends on (x, T) only; there are far fewer distinct pairs than customers.
    pairs = _distinct_rows([x, age], np.ones(len(x)))
    pair_x, pair_age, pair_index = pairs.values(0), pairs.values(1), pairs.row_group
    alive = bgnbd_p_alive(bgnbd, x, recency, age)
    purchases_window = _expected_purchases_if_alive(bgnbd, PURCHASE_WINDOW_WEEKS, pair_x, pair_age)[pair_index]
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
