"""RFM scoring: quintile cut points, 1-5 scores, segments and segment movement between runs.

Pure functions over a per-customer summary (one row per customer with at least one
counted order, as produced by insights/services/summary.py); no ORM, no clock, no I/O.
docs/insights.md explains every rule here to staff and operators.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

DIMENSIONS = ("recency_days", "frequency", "monetary")
SCORE_COLUMNS = {"recency_days": "r_score", "frequency": "f_score", "monetary": "m_score"}
MIDDLE_SCORE = 3
NO_SEGMENT = "none"


@dataclass(frozen=True)
class DimensionCutpoints:
    """The four quintile thresholds of one dimension and its observed range.

    F and M score 1 + (number of thresholds strictly below the value); R scores the same on
    recency_days and is then reversed (6 - score), so the most recent customers get 5. When
    every customer has the same value (minimum == maximum) everyone gets 3.
    """

    thresholds: tuple[Any, Any, Any, Any]
    minimum: Any
    maximum: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "thresholds": [_json_number(value) for value in self.thresholds],
            "min": _json_number(self.minimum),
            "max": _json_number(self.maximum),
        }


@dataclass(frozen=True)
class RfmCutpoints:
    customers: int
    recency_days: DimensionCutpoints | None
    frequency: DimensionCutpoints | None
    monetary: DimensionCutpoints | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe form stored with each run; Decimal amounts become strings."""
        result: dict[str, Any] = {"customers": self.customers}
        for dimension in DIMENSIONS:
            cutpoints = getattr(self, dimension)
            result[dimension] = None if cutpoints is None else cutpoints.as_dict()
        return result


def _plain(value: Any) -> Any:
    """numpy scalars become Python numbers; Decimal and Python numbers pass through."""
    return value.item() if isinstance(value, np.generic) else value


def _json_number(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else _plain(value)


def _ranking_values(values: pd.Series) -> np.ndarray:
    """Float copy used only to order values; Decimal amounts themselves are never rounded."""
    return values.to_numpy(dtype="float64")


def _quintile_thresholds(values: pd.Series, ranking: np.ndarray) -> tuple[Any, Any, Any, Any]:
    """The 20/40/60/80% quantiles with linear interpolation (numpy's default method).

    Interpolation runs on the original objects, so Decimal amounts give exact Decimal
    thresholds; the fractions involved are multiples of 1/5, which Decimal holds exactly.
    """
    last = len(ranking) - 1
    positions = [divmod(last * quintile, 5) for quintile in range(1, 5)]
    needed = sorted({index for lower, _ in positions for index in (lower, min(lower + 1, last))})
    order = np.argpartition(ranking, needed)
    thresholds = []
    for lower, remainder in positions:
        low_value = values.iloc[order[lower]]
        high_value = values.iloc[order[min(lower + 1, last)]]
        thresholds.append(low_value if remainder == 0 else low_value + (high_value - low_value) * remainder / 5)
    return tuple(_plain(value) for value in thresholds)


def _dimension_cutpoints(values: pd.Series) -> DimensionCutpoints | None:
    if values.empty:
        return None
    if values.isna().any():
        raise ValueError(f"{values.name} has missing values")
    ranking = _ranking_values(values)
    return DimensionCutpoints(
        thresholds=_quintile_thresholds(values, ranking),
        minimum=_plain(values.iloc[int(np.argmin(ranking))]),
        maximum=_plain(values.iloc[int(np.argmax(ranking))]),
    )


def rfm_cutpoints_compute(summary: pd.DataFrame) -> RfmCutpoints:
    """Quintile cut points of recency_days, frequency and monetary over all customers."""
    _require_columns(summary, ("customer_id", *DIMENSIONS))
    return RfmCutpoints(
        customers=len(summary),
        **{dimension: _dimension_cutpoints(summary[dimension]) for dimension in DIMENSIONS},
    )


def _ascending_scores(values: pd.Series, cutpoints: DimensionCutpoints) -> np.ndarray:
    if cutpoints.minimum == cutpoints.maximum:
        return np.full(len(values), MIDDLE_SCORE, dtype="int8")
    # Comparing in the column's own type keeps Decimal amounts exact, and is faster than
    # converting them; counting thresholds strictly below gives equal values equal scores.
    native = values.to_numpy()
    thresholds_below = sum(np.asarray(native > threshold, dtype="int8") for threshold in cutpoints.thresholds)
    return (1 + thresholds_below).astype("int8")


def rfm_scores_compute(summary: pd.DataFrame, cutpoints: RfmCutpoints) -> pd.DataFrame:
    """r_score, f_score and m_score (1-5) per customer, from stored cut points."""
    _require_columns(summary, ("customer_id", *DIMENSIONS))
    scores = pd.DataFrame({"customer_id": summary["customer_id"]}, index=summary.index)
    if summary.empty:
        return scores.assign(
            r_score=pd.Series(dtype="int8"), f_score=pd.Series(dtype="int8"), m_score=pd.Series(dtype="int8")
        )
    for dimension in DIMENSIONS:
        ascending = _ascending_scores(summary[dimension], getattr(cutpoints, dimension))
        scores[SCORE_COLUMNS[dimension]] = 6 - ascending if dimension == "recency_days" else ascending
    return scores


def _require_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"summary is missing columns: {', '.join(missing)}")


# Segments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentRule:
    """Customers whose R score and F/M score ((f + m) / 2) fall in both ranges (inclusive)."""

    key: str
    name: str
    recency_scores: tuple[int, int]
    frequency_monetary_scores: tuple[float, float]

    def matches(self, recency_score: int, frequency_monetary_score: float) -> bool:
        low_r, high_r = self.recency_scores
        low_fm, high_fm = self.frequency_monetary_scores
        return low_r <= recency_score <= high_r and low_fm <= frequency_monetary_score <= high_fm

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "r": list(self.recency_scores),
            "fm": list(self.frequency_monetary_scores),
        }


# The widely used 11-segment map (R score x combined F/M score). Its published table overlaps,
# so the order below decides: first match wins. docs/insights.md shows the resulting grid.
DEFAULT_SEGMENT_MAP: tuple[Mapping[str, Any], ...] = (
    {"key": "champions", "name": "Champions", "r": (4, 5), "fm": (4, 5)},
    {"key": "loyal", "name": "Loyal", "r": (3, 5), "fm": (3, 5)},
    {"key": "potential_loyalist", "name": "Potential Loyalist", "r": (4, 5), "fm": (2, 3)},
    {"key": "new_customers", "name": "New Customers", "r": (5, 5), "fm": (1, 1.5)},
    {"key": "promising", "name": "Promising", "r": (4, 4), "fm": (1, 1.5)},
    {"key": "need_attention", "name": "Need Attention", "r": (3, 3), "fm": (2, 3)},
    {"key": "about_to_sleep", "name": "About to Sleep", "r": (3, 3), "fm": (1, 2)},
    {"key": "cannot_lose_them", "name": "Cannot Lose Them", "r": (1, 1), "fm": (4, 5)},
    {"key": "at_risk", "name": "At Risk", "r": (1, 2), "fm": (3, 5)},
    {"key": "hibernating", "name": "Hibernating", "r": (2, 2), "fm": (1, 3)},
    {"key": "lost", "name": "Lost", "r": (1, 1), "fm": (1, 3)},
)

_SEGMENT_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
_RULE_FIELDS = {"key", "name", "r", "fm"}
_SCORE_GRID = [(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]


def _range_parse(raw: Any, label: str, *, integers: bool) -> tuple[Any, Any]:
    kinds = (int,) if integers else (int, float)
    is_pair = isinstance(raw, list | tuple) and len(raw) == 2
    if not is_pair or any(isinstance(bound, bool) or not isinstance(bound, kinds) for bound in raw):
        kind = "whole numbers" if integers else "numbers"
        raise ValueError(f"{label} must be a pair of {kind} [low, high]")
    low, high = raw
    if not 1 <= low <= high <= 5:
        raise ValueError(f"{label} must satisfy 1 <= low <= high <= 5, got [{low}, {high}]")
    return low, high


def _rule_parse(raw: Any, position: int) -> SegmentRule:
    label = f"rule {position}"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{label} must be an object with key, name, r and fm")
    if set(raw) != _RULE_FIELDS:
        problems = sorted(_RULE_FIELDS - set(raw)) + sorted(set(raw) - _RULE_FIELDS)
        raise ValueError(f"{label} must have exactly key, name, r and fm (check: {', '.join(problems)})")
    key, name = raw["key"], raw["name"]
    if not isinstance(key, str) or not _SEGMENT_KEY_PATTERN.match(key):
        raise ValueError(f"{label}: key must be a snake_case slug of at most 50 characters, got {key!r}")
    label = f"rule {position} ({key})"
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise ValueError(f"{label}: name must be non-empty text of at most 100 characters")
    return SegmentRule(
        key=key,
        name=name.strip(),
        recency_scores=_range_parse(raw["r"], f"{label}: r", integers=True),
        frequency_monetary_scores=_range_parse(raw["fm"], f"{label}: fm", integers=False),
    )


def _first_matches(rules: Sequence[SegmentRule]) -> list[int | None]:
    """Index of the first matching rule for each (r, f, m) of _SCORE_GRID, or None."""
    return [
        next((index for index, rule in enumerate(rules) if rule.matches(r, (f + m) / 2)), None)
        for r, f, m in _SCORE_GRID
    ]


def _rules_check_names(rules: Sequence[SegmentRule]) -> None:
    names: dict[str, str] = {}
    for position, rule in enumerate(rules, start=1):
        if names.setdefault(rule.key, rule.name) != rule.name:
            message = _("rule %(position)d (%(key)s): every rule of a segment needs the same name")
            raise ValueError(message % {"position": position, "key": rule.key})


def _rules_check_coverage(rules: Sequence[SegmentRule]) -> None:
    first_matches = _first_matches(rules)
    for (r, f, m), match in zip(_SCORE_GRID, first_matches, strict=True):
        if match is None:
            message = _("no rule covers R=%(r)d, F=%(f)d, M=%(m)d (F/M score %(fm)s)")
            raise ValueError(message % {"r": r, "f": f, "m": m, "fm": f"{(f + m) / 2:g}"})
    used = set(first_matches)
    for index, rule in enumerate(rules):
        if index not in used:
            message = _("rule %(position)d (%(key)s) never applies: earlier rules cover all its scores")
            raise ValueError(message % {"position": index + 1, "key": rule.key})


def segment_map_validate(raw: Any) -> list[SegmentRule]:
    """Parse a segment map (a list of {key, name, r, fm} rules, first match wins).

    Raises ValueError naming the problem: a malformed rule, a score combination no rule
    covers, or a rule that earlier rules completely hide.
    """
    if not isinstance(raw, list | tuple) or not raw:
        raise ValueError("the segment map must be a non-empty list of rules")
    rules = [_rule_parse(item, position) for position, item in enumerate(raw, start=1)]
    _rules_check_names(rules)
    _rules_check_coverage(rules)
    return rules


# Validated at import, so a broken default fails every test run rather than a nightly job.
DEFAULT_SEGMENT_RULES: tuple[SegmentRule, ...] = tuple(segment_map_validate(DEFAULT_SEGMENT_MAP))


def segment_names(rules: Sequence[SegmentRule]) -> dict[str, str]:
    """Segment key -> display name, in map order."""
    return {rule.key: rule.name for rule in rules}


def rfm_segments_assign(scores: pd.DataFrame, segment_map: Sequence[SegmentRule]) -> pd.Series:
    """Segment key per customer (index aligned with scores), from a validated map."""
    lookup = np.array(
        [segment_map[index].key if index is not None else None for index in _first_matches(segment_map)], dtype=object
    )
    if any(key is None for key in lookup):
        raise ValueError("the segment map does not cover every score; validate it with segment_map_validate")
    r_scores, f_scores, m_scores = (scores[column].to_numpy(dtype="int64") for column in SCORE_COLUMNS.values())
    for label, values in (("r_score", r_scores), ("f_score", f_scores), ("m_score", m_scores)):
        if values.size and (values.min() < 1 or values.max() > 5):
            raise ValueError(f"{label} must be between 1 and 5")
    # Row of the 5 x 5 x 5 lookup, in the order of _SCORE_GRID.
    codes = (r_scores - 1) * 25 + (f_scores - 1) * 5 + (m_scores - 1)
    return pd.Series(lookup[codes], index=scores.index, name="segment")


def transition_order(segment_keys: Sequence[str], seen: set[str]) -> list[str]:
    """Rows and columns of a transition matrix: segment_keys in order, then any other key seen
    (sorted), then "none"."""
    order = list(dict.fromkeys(segment_keys))
    return order + sorted(set(seen) - set(order) - {NO_SEGMENT}) + [NO_SEGMENT]
