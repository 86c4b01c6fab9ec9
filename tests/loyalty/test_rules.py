"""The program's pure arithmetic, on small inputs."""

from datetime import datetime
from decimal import Decimal

import pytest

from loyalty.rules import TierRule, add_months, next_tier, points_for_amount, pro_rata, tier_for, tier_rank

TIERS = [TierRule("A", 0), TierRule("B", 100), TierRule("C", 1000)]


@pytest.mark.parametrize(
    ("growth", "tier", "upcoming"), [(0, "A", "B"), (99, "A", "B"), (100, "B", "C"), (5000, "C", None)]
)
def test_tier_and_next_tier_at_the_boundaries(growth, tier, upcoming):
    assert tier_for(growth, TIERS).name == tier
    assert (next_tier(growth, TIERS).name if next_tier(growth, TIERS) else None) == upcoming


def test_no_tier_below_the_lowest_threshold_and_ranks_by_position():
    assert tier_for(5, [TierRule("B", 10)]) is None
    assert (tier_rank("C", TIERS), tier_rank("gone", TIERS)) == (2, -1)


def test_points_round_down_and_never_go_negative():
    assert points_for_amount(Decimal("99.99"), per_unit=Decimal("1"), multiplier=Decimal("1.5")) == 149
    assert points_for_amount(Decimal("-5"), per_unit=Decimal("1")) == 0


@pytest.mark.parametrize(
    ("refunded", "total", "taken"), [("0", "100", 0), ("33.33", "100", 33), ("100", "100", 100), ("5", "0", 100)]
)
def test_pro_rata_is_cumulative_and_whole(refunded, total, taken):
    assert pro_rata(100, refunded=Decimal(refunded), total=Decimal(total)) == taken


def test_adding_months_clamps_to_the_end_of_the_month():
    assert add_months(datetime(2026, 1, 31, 10), 1) == datetime(2026, 2, 28, 10)
    assert add_months(datetime(2024, 3, 31), -1) == datetime(2024, 2, 29)
    assert add_months(datetime(2026, 11, 15), 14) == datetime(2028, 1, 15)
