"""One shop's scoring as pure steps over its per-customer summary (no ORM, no clock, no I/O).

The service (insights/services/runs.py) fetches the summary (insights/services/summary.py), calls these
steps in order (timing each and reporting progress between them) and stores the result:

    rfm = rfm_assign(summary, rules)              cut points, scores, segment
    fits = models_fit(summary)                    BG/NBD + Gamma-Gamma
    value = value_assign(summary, fits)           P(alive), expected purchases, CLV
    lifecycle = lifecycle_stage_assign(summary, value)
    quality = fit_quality_check(summary, holdout_days)
    stats = run_stats(summary, frame, rules, targetable)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from insights.scoring.clv import (
    BgNbdFit,
    GammaGammaFit,
    bgnbd_fit,
    bgnbd_holdout_check,
    clv_compute,
    gamma_gamma_fit,
)
from insights.scoring.lifecycle import ACTIVE, NEW, lifecycle_assign, mean_purchase_gap_days
from insights.scoring.rfm import (
    RfmCutpoints,
    SegmentRule,
    rfm_cutpoints_compute,
    rfm_scores_compute,
    rfm_segments_assign,
    segment_names,
)

# Calibration columns of the summary: each customer's history as it stood holdout_days
# before the as-of day (NaN for customers whose first purchase came later), and their
# purchase days in the holdout period.
CALIBRATION_COLUMNS = {
    "cal_repeat_purchases": "repeat_purchases",
    "cal_recency_weeks": "recency_weeks",
    "cal_age_weeks": "age_weeks",
}
VALUE_COLUMNS = ("p_alive", "expected_purchases_90d", "expected_order_value", "clv")
# 1-2-5 steps from 0.01 to 5e11: the CLV histogram's bucket edges are picked from these.
NICE_EDGES = np.array([step * 10.0**power for power in range(-2, 12) for step in (1, 2, 5)])
HISTOGRAM_MAX_BUCKETS = 12
AT_RISK_TOP = 10


@dataclass(frozen=True)
class RfmResult:
    cutpoints: RfmCutpoints
    scores: pd.DataFrame  # customer_id, r_score, f_score, m_score, segment


@dataclass(frozen=True)
class ModelFits:
    bgnbd: BgNbdFit
    gamma_gamma: GammaGammaFit


def rfm_assign(summary: pd.DataFrame, rules: Sequence[SegmentRule]) -> RfmResult:
    cutpoints = rfm_cutpoints_compute(summary)
    scores = rfm_scores_compute(summary, cutpoints)
    scores["segment"] = rfm_segments_assign(scores, rules)
    return RfmResult(cutpoints, scores)


def models_fit(summary: pd.DataFrame) -> ModelFits:
    return ModelFits(bgnbd_fit(summary), gamma_gamma_fit(summary))


def value_assign(summary: pd.DataFrame, fits: ModelFits) -> pd.DataFrame:
    """VALUE_COLUMNS per customer; NaN where the model they need is not usable."""
    if not fits.bgnbd.is_ok:
        return pd.DataFrame(dict.fromkeys(VALUE_COLUMNS, np.nan), index=summary.index)
    value = clv_compute(summary, fits.bgnbd, fits.gamma_gamma)
    return value[list(VALUE_COLUMNS)].where(np.isfinite(value[list(VALUE_COLUMNS)]))


def lifecycle_stage_assign(summary: pd.DataFrame, value: pd.DataFrame) -> pd.DataFrame:
    """lifecycle_stage and churn_risk; `has_open_complaint` is read when the summary has it."""
    has_complaint = summary.get("has_open_complaint", False)
    customers = pd.DataFrame(
        {
            "recency_days": summary["recency_days"],
            "frequency": summary["frequency"],
            "mean_gap_days": mean_purchase_gap_days(summary),
            "p_alive": value["p_alive"],
            "has_open_complaint": has_complaint,
        },
        index=summary.index,
    )
    return lifecycle_assign(customers)


def fit_quality_check(summary: pd.DataFrame, holdout_days: int) -> dict[str, Any]:
    """Fit BG/NBD on the history up to holdout_days before the as-of day and compare its
    predicted repeat purchases in the holdout period with what customers actually did."""
    known = summary["cal_age_weeks"].notna()
    calibration = summary.loc[known, ["customer_id", *CALIBRATION_COLUMNS]].rename(columns=CALIBRATION_COLUMNS)
    fit = bgnbd_fit(calibration)
    result: dict[str, Any] = {"holdout_days": holdout_days, "status": fit.status, "reason": fit.reason}
    if not fit.is_ok:
        return result
    actual = summary.loc[known].set_index("customer_id")["holdout_purchase_days"]
    check = bgnbd_holdout_check(calibration, actual, fit, holdout_days / 7)
    return {**result, **check.as_dict(), "calibration_params": {k: getattr(fit, k) for k in ("r", "alpha", "a", "b")}}


def _segment_stats(frame: pd.DataFrame, rules: Sequence[SegmentRule]) -> dict[str, dict[str, Any]]:
    """Per segment of the map, in map order: customers, net spend, CLV total and how many have a CLV."""
    names = segment_names(rules)
    # Sums over segment codes with bincount: a pandas groupby cost milliseconds per run.
    codes = pd.Categorical(frame["segment"], categories=list(names)).codes
    clv = frame["clv"].to_numpy(dtype="float64")
    valued = ~np.isnan(clv)
    customers = np.bincount(codes, minlength=len(names))
    monetary = np.bincount(codes, frame["monetary"].to_numpy(dtype="float64"), len(names))
    clv_total = np.bincount(codes[valued], clv[valued], len(names))
    clv_customers = np.bincount(codes[valued], minlength=len(names))
    return {
        key: {
            "name": name,
            "customers": int(customers[index]),
            "monetary": round(float(monetary[index]), 2),
            "clv_total": round(float(clv_total[index]), 2),
            "clv_customers": int(clv_customers[index]),
        }
        for index, (key, name) in enumerate(names.items())
    }


def _rf_grid(frame: pd.DataFrame) -> list[list[int]]:
    """Customers per (R, F) cell: grid[r - 1][f - 1]."""
    cells = (frame["r_score"].to_numpy(dtype="int64") - 1) * 5 + frame["f_score"].to_numpy(dtype="int64") - 1
    return np.bincount(cells, minlength=25).reshape(5, 5).tolist()


def _at_risk_top(frame: pd.DataFrame, limit: int = AT_RISK_TOP) -> list[dict[str, Any]]:
    """The churn-risk customers with the most net spend so far: who the shop can least afford to lose."""
    at_risk = np.flatnonzero(frame["churn_risk"].to_numpy(dtype=bool))
    monetary = frame["monetary"].to_numpy(dtype="float64")[at_risk]
    # The `limit` largest by spend, in descending order (ties by position, as nlargest keeps them).
    top = at_risk[np.argsort(-monetary, kind="stable")[:limit]]
    return [
        {
            "customer_id": int(row.customer_id),
            "segment": row.segment,
            "lifecycle_stage": row.lifecycle_stage,
            "monetary": round(float(row.monetary), 2),
            "clv": None if pd.isna(row.clv) else round(float(row.clv), 2),
            "p_alive": None if pd.isna(row.p_alive) else round(float(row.p_alive), 4),
            "recency_days": int(row.recency_days),
        }
        for row in frame.iloc[top].itertuples()
    ]


def clv_histogram(clv: pd.Series) -> list[dict[str, Any]]:
    """Customers per CLV bucket; edges are 1-2-5 steps, the last bucket is open-ended."""
    values = clv.dropna().to_numpy(dtype="float64")
    if not len(values):
        return []
    low, high = np.quantile(values, [0.05, 0.99])
    # The largest 1-2-5 steps inside [p5, p99]: the first bucket gathers everything below.
    inside = NICE_EDGES[(low <= NICE_EDGES) & (max(high, low) >= NICE_EDGES)]
    edges = inside[len(inside) - HISTOGRAM_MAX_BUCKETS + 1 :] if len(inside) >= HISTOGRAM_MAX_BUCKETS else inside
    edges = np.concatenate([[0.0], edges]) if len(edges) else np.array([0.0])
    counts = np.bincount(np.searchsorted(edges, values, side="right").clip(1) - 1, minlength=len(edges))
    uppers = [*edges[1:].tolist(), None]
    return [
        {"lower": float(lower), "upper": upper, "customers": int(count)}
        for lower, upper, count in zip(edges.tolist(), uppers, counts.tolist(), strict=True)
    ]


def _kpis(summary: pd.DataFrame, frame: pd.DataFrame) -> dict[str, Any]:
    customers = len(frame)
    clv = frame["clv"].dropna()
    return {
        "customers": customers,
        "active_customers": int(frame["lifecycle_stage"].isin([NEW, ACTIVE]).sum()),
        "revenue_30d": round(float(summary["revenue_30d"].sum()), 2) if customers else 0.0,
        "repeat_rate": float((summary["frequency"] >= 2).mean()) if customers else None,
        "average_clv": round(float(clv.mean()), 2) if len(clv) else None,
        "monetary_total": round(float(frame["monetary"].sum()), 2),
    }


def run_stats(
    summary: pd.DataFrame, frame: pd.DataFrame, rules: Sequence[SegmentRule], targetable: pd.Series
) -> dict[str, Any]:
    """What the dashboard shows for a run. `frame` holds the scores, segment, value and
    lifecycle columns, index-aligned with the summary. The KPIs are shop-wide facts over every
    customer; everything that singles customers out (segments, grid, stages, CLV histogram,
    the at-risk list) counts only the `targetable` ones (who have not refused automated
    targeting)."""
    targeted = frame[targetable]
    return {
        "kpis": {**_kpis(summary, frame), "customers_excluded": int((~targetable).sum())},
        "segments": _segment_stats(targeted, rules),
        "rf_grid": _rf_grid(targeted),
        "lifecycle": {stage: int(count) for stage, count in targeted["lifecycle_stage"].value_counts().items()},
        "churn_risk_customers": int(targeted["churn_risk"].sum()),
        "at_risk_top": _at_risk_top(targeted),
        "clv_histogram": clv_histogram(targeted["clv"]),
    }


def scores_frame(summary: pd.DataFrame, rfm: RfmResult, value: pd.DataFrame, lifecycle: pd.DataFrame) -> pd.DataFrame:
    """One row per customer with every column a CustomerScore stores."""
    return pd.concat(
        [
            summary[["customer_id", "recency_days", "frequency", "monetary"]],
            rfm.scores[["r_score", "f_score", "m_score", "segment"]],
            value,
            lifecycle,
        ],
        axis=1,
    )
