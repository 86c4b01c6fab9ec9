"""RFM cut points, scores, segments and transitions: pure functions on small DataFrames."""

import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from insights.scoring.rfm import (
    DEFAULT_SEGMENT_MAP,
    DEFAULT_SEGMENT_RULES,
    SegmentRule,
    rfm_cutpoints_compute,
    rfm_scores_compute,
    rfm_segments_assign,
    segment_map_validate,
    segment_names,
)


def summary_of(recency_days, frequency, monetary):
    return pd.DataFrame(
        {
            "customer_id": range(1, len(recency_days) + 1),
            "recency_days": recency_days,
            "frequency": frequency,
            "monetary": monetary,
        }
    )


def scores_of(summary):
    return rfm_scores_compute(summary, rfm_cutpoints_compute(summary))


def score_lists(scores):
    return scores["r_score"].tolist(), scores["f_score"].tolist(), scores["m_score"].tolist()


# Scores ---------------------------------------------------------------------------------------


def test_single_customer_gets_the_middle_score():
    scores = scores_of(summary_of([12], [1], [Decimal("99.00")]))
    assert score_lists(scores) == ([3], [3], [3])


def test_identical_customers_all_get_the_middle_score():
    scores = scores_of(summary_of([5] * 4, [2] * 4, [Decimal("50.00")] * 4))
    assert score_lists(scores) == ([3] * 4, [3] * 4, [3] * 4)


def test_two_and_three_customers_spread_over_the_scale():
    two = scores_of(summary_of([10, 90], [1, 4], [Decimal("20"), Decimal("80")]))
    three = scores_of(summary_of([10, 40, 90], [1, 2, 4], [Decimal("20"), Decimal("50"), Decimal("80")]))
    assert score_lists(two) == ([5, 1], [1, 5], [1, 5])
    assert score_lists(three) == ([5, 3, 1], [1, 3, 5], [1, 3, 5])


def test_distinct_values_fill_quintiles_evenly_and_recency_is_reversed():
    scores = scores_of(summary_of(list(range(10)), list(range(1, 11)), [Decimal(value) for value in range(10)]))
    assert scores["f_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert scores["m_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert scores["r_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_cut_points_are_linear_quintiles_and_a_value_on_a_cut_point_takes_the_lower_score():
    summary = summary_of([0] * 10, list(range(10)), [Decimal("1")] * 10)
    cutpoints = rfm_cutpoints_compute(summary)
    assert cutpoints.frequency.thresholds == pytest.approx((1.8, 3.6, 5.4, 7.2))
    # 70% bought once: the lower cut points all equal 1, so every one-time buyer scores 1.
    heavy = summary_of([1] * 10, [1] * 7 + [2, 2, 5], [Decimal("1")] * 10)
    heavy_cutpoints = rfm_cutpoints_compute(heavy)
    assert heavy_cutpoints.frequency.thresholds[:3] == (1, 1, 1)
    assert rfm_scores_compute(heavy, heavy_cutpoints)["f_score"].tolist() == [1] * 7 + [4, 4, 5]


def test_equal_values_always_get_equal_scores():
    generator = np.random.default_rng(7)
    summary = summary_of(
        generator.integers(0, 6, 200).tolist(),
        generator.integers(1, 4, 200).tolist(),
        [Decimal(int(cents)) / 100 for cents in generator.choice([999, 1999, 4999, 9999], 200)],
    )
    scores = scores_of(summary)
    for dimension, column in (("recency_days", "r_score"), ("frequency", "f_score"), ("monetary", "m_score")):
        scores_per_value = scores[column].groupby(summary[dimension].astype(str)).nunique()
        assert (scores_per_value == 1).all(), dimension


def test_higher_values_never_score_lower():
    generator = np.random.default_rng(3)
    summary = summary_of(
        generator.integers(0, 400, 500).tolist(),
        generator.integers(1, 30, 500).tolist(),
        generator.gamma(2, 50, 500).round(2).tolist(),
    )
    scores = scores_of(summary)
    for dimension, column, direction in (
        ("recency_days", "r_score", -1),
        ("frequency", "f_score", 1),
        ("monetary", "m_score", 1),
    ):
        ordered = scores[column].to_numpy()[np.argsort(summary[dimension].to_numpy(), kind="stable")]
        assert np.all(np.diff(ordered) * direction >= 0), dimension


def test_refunds_lower_monetary_and_so_the_m_score():
    spend = [Decimal("500.00"), Decimal("80.00"), Decimal("120.00"), Decimal("60.00"), Decimal("200.00")]
    before = scores_of(summary_of([3] * 5, [2] * 5, spend))
    after_refund = spend.copy()
    after_refund[0] -= Decimal("460.00")  # refund of most of the first customer's spend
    after = scores_of(summary_of([3] * 5, [2] * 5, after_refund))
    assert before.loc[0, "m_score"] == 5
    assert after.loc[0, "m_score"] == 1


def test_decimal_money_stays_exact_and_cut_points_serialise_to_json():
    summary = summary_of([1, 2, 3], [1, 1, 2], [Decimal("10.10"), Decimal("20.20"), Decimal("30.35")])
    cutpoints = rfm_cutpoints_compute(summary).as_dict()
    assert json.loads(json.dumps(cutpoints)) == cutpoints
    monetary = cutpoints["monetary"]
    assert monetary["min"] == "10.10" and monetary["max"] == "30.35"
    # Interpolated 40% of the way from 10.10 to 20.20: exact, not 14.139999...
    assert monetary["thresholds"][0] == "14.14"
    assert summary["monetary"].tolist() == [Decimal("10.10"), Decimal("20.20"), Decimal("30.35")]


def test_float_monetary_is_accepted():
    scores = scores_of(summary_of([1, 2, 3], [1, 2, 3], [10.0, 20.0, 30.0]))
    assert scores["m_score"].tolist() == [1, 3, 5]


def test_empty_summary_gives_empty_scores():
    summary = summary_of([], [], [])
    cutpoints = rfm_cutpoints_compute(summary)
    assert cutpoints.as_dict() == {"customers": 0, "recency_days": None, "frequency": None, "monetary": None}
    assert rfm_scores_compute(summary, cutpoints).empty


def test_missing_columns_and_missing_values_are_refused():
    with pytest.raises(ValueError, match="monetary"):
        rfm_cutpoints_compute(pd.DataFrame({"customer_id": [1], "recency_days": [1], "frequency": [1]}))
    with pytest.raises(ValueError, match="monetary has missing values"):
        rfm_cutpoints_compute(summary_of([1, 2], [1, 2], [Decimal("1"), None]))


# Segments -------------------------------------------------------------------------------------

# The default map resolved over R (rows, 5 first) x F/M score (columns 1, 1.5, ..., 5);
# docs/insights.md shows the same grid.
EXPECTED_GRID = {
    5: "new new pot pot loyal loyal champ champ champ",
    4: "prom prom pot pot loyal loyal champ champ champ",
    3: "sleep sleep need need loyal loyal loyal loyal loyal",
    2: "hib hib hib hib risk risk risk risk risk",
    1: "lost lost lost lost risk risk cant cant cant",
}
SHORT_NAMES = {
    "new": "new_customers",
    "pot": "potential_loyalist",
    "loyal": "loyal",
    "champ": "champions",
    "prom": "promising",
    "sleep": "about_to_sleep",
    "need": "need_attention",
    "hib": "hibernating",
    "risk": "at_risk",
    "lost": "lost",
    "cant": "cannot_lose_them",
}


def all_score_combinations():
    combinations = [(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]
    return pd.DataFrame(combinations, columns=["r_score", "f_score", "m_score"])


def test_default_map_gives_every_one_of_125_combinations_exactly_one_expected_segment():
    scores = all_score_combinations()
    segments = rfm_segments_assign(scores, DEFAULT_SEGMENT_RULES)
    assert len(segments) == 125 and segments.notna().all()
    for (r, f, m), segment in zip(scores.itertuples(index=False), segments, strict=True):
        column = int((f + m) / 2 * 2) - 2
        assert segment == SHORT_NAMES[EXPECTED_GRID[r].split()[column]], (r, f, m)
    assert set(segments) == set(SHORT_NAMES.values())


def test_default_map_has_the_eleven_segments_with_stable_keys():
    assert segment_names(DEFAULT_SEGMENT_RULES) == {
        "champions": "Champions",
        "loyal": "Loyal",
        "potential_loyalist": "Potential Loyalist",
        "new_customers": "New Customers",
        "promising": "Promising",
        "need_attention": "Need Attention",
        "about_to_sleep": "About to Sleep",
        "cannot_lose_them": "Cannot Lose Them",
        "at_risk": "At Risk",
        "hibernating": "Hibernating",
        "lost": "Lost",
    }
    assert [rule.as_dict() for rule in DEFAULT_SEGMENT_RULES] == json.loads(json.dumps(DEFAULT_SEGMENT_MAP))


def test_segments_follow_scores_of_a_real_summary():
    summary = summary_of([5, 300, 2, 200], [9, 8, 1, 1], [Decimal("900"), Decimal("800"), Decimal("10"), Decimal("15")])
    segments = rfm_segments_assign(scores_of(summary), DEFAULT_SEGMENT_RULES)
    assert segments.tolist() == ["champions", "cannot_lose_them", "new_customers", "hibernating"]


def test_a_manager_map_with_two_rules_is_accepted_and_applied():
    rules = segment_map_validate(
        [
            {"key": "recent", "name": "Recent", "r": [4, 5], "fm": [1, 5]},
            {"key": "everyone_else", "name": "Everyone else", "r": [1, 5], "fm": [1, 5]},
        ]
    )
    segments = rfm_segments_assign(all_score_combinations(), rules)
    assert segments.value_counts().to_dict() == {"everyone_else": 75, "recent": 50}


def valid_rule(**changes):
    return {"key": "all", "name": "All", "r": [1, 5], "fm": [1, 5], **changes}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"key": "all"}, "non-empty list"),
        ([], "non-empty list"),
        (["champions"], "rule 1 must be an object"),
        ([{"key": "all", "name": "All", "r": [1, 5]}], "rule 1 must have exactly key, name, r and fm .*fm"),
        ([valid_rule(colour="red")], "check: colour"),
        ([valid_rule(key="Top Customers")], "snake_case"),
        ([valid_rule(name="  ")], "rule 1 \\(all\\): name"),
        ([valid_rule(r=[0, 5])], "rule 1 \\(all\\): r must satisfy 1 <= low <= high <= 5"),
        ([valid_rule(r=[4, 2])], "r must satisfy"),
        ([valid_rule(r=[1.5, 5])], "r must be a pair of whole numbers"),
        ([valid_rule(r=[True, 5])], "r must be a pair of whole numbers"),
        ([valid_rule(fm=[1, 6])], "fm must satisfy"),
        ([valid_rule(fm="1-5")], "fm must be a pair of numbers"),
        ([valid_rule(r=[2, 5])], "no rule covers R=1, F=1, M=1 \\(F/M score 1\\)"),
        ([valid_rule(fm=[1, 4])], "no rule covers R=1, F=4, M=5 \\(F/M score 4.5\\)"),
        ([valid_rule(), valid_rule(key="never")], "rule 2 \\(never\\) never applies"),
        ([valid_rule(r=[1, 2]), valid_rule(r=[3, 5], name="Other")], "rule 2 \\(all\\): every rule of a segment"),
    ],
)
def test_segment_map_validation_names_the_problem(raw, message):
    with pytest.raises(ValueError, match=message):
        segment_map_validate(raw)


def test_segment_assignment_refuses_an_unvalidated_map_with_gaps():
    gap_rule = SegmentRule(key="top", name="Top", recency_scores=(5, 5), frequency_monetary_scores=(1, 5))
    with pytest.raises(ValueError, match="does not cover"):
        rfm_segments_assign(all_score_combinations(), [gap_rule])


def test_segment_assignment_refuses_scores_outside_one_to_five():
    scores = all_score_combinations().head(2).assign(f_score=[0, 3])
    with pytest.raises(ValueError, match="f_score must be between 1 and 5"):
        rfm_segments_assign(scores, DEFAULT_SEGMENT_RULES)
