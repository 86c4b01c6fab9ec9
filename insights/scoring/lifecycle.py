"""Lifecycle stage (new, active, at_risk, churned) and the churn-risk flag per customer.

A pure rule over each customer's recency, own purchase rhythm and BG/NBD P(alive); no ORM,
no clock. docs/insights.md states the rule for staff; every threshold is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NEW = "new"
ACTIVE = "active"
AT_RISK = "at_risk"
CHURNED = "churned"
STAGES = (NEW, ACTIVE, AT_RISK, CHURNED)
# Stages are computed as small integer codes (a million strings would cost more than the rule).
NEW_CODE, ACTIVE_CODE, AT_RISK_CODE, CHURNED_CODE = range(len(STAGES))


@dataclass(frozen=True)
class LifecycleThresholds:
    # One purchase day: "new" up to new_days since it, "at_risk" up to one_time_churn_days.
    new_days: int = 60
    one_time_churn_days: int = 180
    # Repeat buyers are judged against their own mean gap between purchase days, floored so
    # that a burst of daily orders does not make a week's silence look like churn.
    minimum_gap_days: float = 14
    at_risk_gap_multiple: float = 2
    churned_gap_multiple: float = 4
    # P(alive) from BG/NBD, used when the shop's fit is ok (NaN otherwise).
    at_risk_p_alive: float = 0.5
    churned_p_alive: float = 0.2
    # Nobody who has not bought for this long counts as active, whatever their rhythm.
    max_inactive_days: int = 730


DEFAULT_THRESHOLDS = LifecycleThresholds()


def mean_purchase_gap_days(summary: pd.DataFrame) -> pd.Series:
    """Mean days between a customer's purchase days; NaN with a single purchase day.

    From the summary's recency_weeks (first to last purchase day) and repeat_purchases.
    """
    repeat_purchases = summary["repeat_purchases"].astype("float64")
    span_days = summary["recency_weeks"].astype("float64") * 7
    return (span_days / repeat_purchases.where(repeat_purchases > 0)).rename("mean_gap_days")


def _one_time_stages(recency_days: np.ndarray, thresholds: LifecycleThresholds) -> np.ndarray:
    return np.select(
        [recency_days <= thresholds.new_days, recency_days <= thresholds.one_time_churn_days],
        [NEW_CODE, AT_RISK_CODE],
        default=CHURNED_CODE,
    )


def _repeat_stages(
    recency_days: np.ndarray, gap_days: np.ndarray, p_alive: np.ndarray, thresholds: LifecycleThresholds
) -> np.ndarray:
    overdue = recency_days / np.fmax(gap_days, thresholds.minimum_gap_days)
    # Without a model (NaN) P(alive) neither rescues nor condemns anyone.
    model_says_dead = np.nan_to_num(p_alive, nan=0.0) < thresholds.churned_p_alive
    model_doubts = np.nan_to_num(p_alive, nan=1.0) < thresholds.at_risk_p_alive
    churned = ((overdue > thresholds.churned_gap_multiple) & model_says_dead) | (
        recency_days > thresholds.max_inactive_days
    )
    at_risk = (overdue > thresholds.at_risk_gap_multiple) | model_doubts
    return np.select([churned, at_risk], [CHURNED_CODE, AT_RISK_CODE], default=ACTIVE_CODE)


def lifecycle_assign(customers: pd.DataFrame, thresholds: LifecycleThresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """lifecycle_stage (categorical of STAGES) and churn_risk per customer, input index kept.

    Columns used: recency_days, frequency (qualifying orders), mean_gap_days (NaN for a single
    purchase day), p_alive (NaN when the shop has no usable BG/NBD fit) and
    has_open_complaint. churn_risk is at_risk, churned, or any open complaint.
    """
    recency_days = customers["recency_days"].to_numpy(dtype="float64")
    gap_days = customers["mean_gap_days"].to_numpy(dtype="float64")
    is_one_time = (customers["frequency"].to_numpy(dtype="int64") <= 1) | np.isnan(gap_days)
    stage_codes = np.where(
        is_one_time,
        _one_time_stages(recency_days, thresholds),
        _repeat_stages(recency_days, gap_days, customers["p_alive"].to_numpy(dtype="float64"), thresholds),
    )
    has_open_complaint = customers["has_open_complaint"].to_numpy(dtype=bool)
    churn_risk = np.isin(stage_codes, [AT_RISK_CODE, CHURNED_CODE]) | has_open_complaint
    stage = pd.Categorical.from_codes(stage_codes, categories=STAGES)
    return pd.DataFrame({"lifecycle_stage": stage, "churn_risk": churn_risk}, index=customers.index)
