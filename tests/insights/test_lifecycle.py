"""Lifecycle stage and churn-risk rule: pure function on small DataFrames."""

import math

import pandas as pd
import pytest

from insights.scoring.lifecycle import (
    ACTIVE,
    AT_RISK,
    CHURNED,
    NEW,
    LifecycleThresholds,
    lifecycle_assign,
    mean_purchase_gap_days,
)

NO_MODEL = math.nan


def customer(recency_days, frequency=1, mean_gap_days=math.nan, p_alive=NO_MODEL, has_open_complaint=False):
    return {
        "recency_days": recency_days,
        "frequency": frequency,
        "mean_gap_days": mean_gap_days,
        "p_alive": p_alive,
        "has_open_complaint": has_open_complaint,
    }


def stages(*customers, thresholds=None):
    frame = pd.DataFrame(list(customers))
    result = lifecycle_assign(frame) if thresholds is None else lifecycle_assign(frame, thresholds)
    return result["lifecycle_stage"].tolist()


def test_one_time_buyers_are_new_then_at_risk_then_churned():
    days_since_order = [0, 60, 61, 180, 181]
    expected = [NEW, NEW, AT_RISK, AT_RISK, CHURNED]
    assert stages(*(customer(days) for days in days_since_order)) == expected


def test_several_orders_on_one_day_still_count_as_one_purchase():
    assert stages(customer(10, frequency=3, mean_gap_days=math.nan)) == [NEW]


def test_repeat_buyers_are_judged_by_their_own_rhythm():
    monthly_buyers = [customer(days, frequency=6, mean_gap_days=30) for days in (60, 61, 120, 121)]
    assert stages(*monthly_buyers) == [ACTIVE, AT_RISK, AT_RISK, CHURNED]
    # 90 days of silence is normal for a quarterly buyer and alarming for a weekly one.
    quarterly, weekly = customer(90, frequency=5, mean_gap_days=91), customer(90, frequency=20, mean_gap_days=7)
    assert stages(quarterly, weekly) == [ACTIVE, CHURNED]


def test_a_burst_of_daily_orders_is_not_a_daily_rhythm():
    assert stages(customer(20, frequency=4, mean_gap_days=1)) == [ACTIVE]


def test_p_alive_marks_doubt_and_decides_churn():
    five_gaps_overdue = {"recency_days": 150, "frequency": 6, "mean_gap_days": 30}
    likely_gone, maybe_gone = customer(**five_gaps_overdue, p_alive=0.1), customer(**five_gaps_overdue, p_alive=0.35)
    assert stages(likely_gone, maybe_gone) == [CHURNED, AT_RISK]
    assert stages(customer(20, frequency=6, mean_gap_days=30, p_alive=0.4)) == [AT_RISK]
    assert stages(customer(20, frequency=6, mean_gap_days=30, p_alive=0.9)) == [ACTIVE]


def test_long_silence_is_churn_whatever_the_rhythm():
    assert stages(customer(731, frequency=3, mean_gap_days=400, p_alive=0.9)) == [CHURNED]


def test_churn_risk_covers_at_risk_churned_and_open_complaints():
    frame = pd.DataFrame(
        [
            customer(10),
            customer(100),
            customer(400),
            customer(10, has_open_complaint=True),
            customer(5, frequency=8, mean_gap_days=20, p_alive=0.97, has_open_complaint=True),
        ]
    )
    assert lifecycle_assign(frame)["churn_risk"].tolist() == [False, True, True, True, True]


def test_thresholds_are_parameters():
    patient = LifecycleThresholds(new_days=90, one_time_churn_days=365)
    assert stages(customer(80), customer(300), thresholds=patient) == [NEW, AT_RISK]


def test_result_keeps_the_input_index():
    frame = pd.DataFrame([customer(10), customer(500)], index=[42, 7])
    assert list(lifecycle_assign(frame).index) == [42, 7]


def test_mean_gap_comes_from_the_summary_span_and_repeat_count():
    summary = pd.DataFrame({"repeat_purchases": [0, 2, 4], "recency_weeks": [0.0, 8.0, 2.0]})
    gaps = mean_purchase_gap_days(summary)
    assert math.isnan(gaps[0])
    assert gaps[1:].tolist() == pytest.approx([28.0, 3.5])
