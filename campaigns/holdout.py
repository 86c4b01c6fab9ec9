"""Holdout statistics, pure functions (no ORM, no clock).

The uplift of a campaign is the difference between the share of targeted customers who
bought after launch and the share of held-out customers who did. Its 95% interval is
Newcombe's hybrid score interval (method 10 of Newcombe, Statistics in Medicine 1998),
built from the two groups' Wilson score intervals: unlike the normal (Wald) interval it
stays inside [-1, 1], is not degenerate when a group has 0% or 100% buyers, and keeps close
to its nominal coverage with groups of a few dozen customers, which is the holdout of a
small shop's campaign.
"""

from dataclasses import dataclass
from math import sqrt

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Uplift:
    treated_rate: float
    holdout_rate: float
    difference: float
    lower: float
    upper: float


def wilson_interval(successes: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion; (0, 1) when there is no one to measure."""
    if total == 0:
        return 0.0, 1.0
    rate = successes / total
    denominator = 1 + z * z / total
    centre = (rate + z * z / (2 * total)) / denominator
    half_width = z * sqrt(rate * (1 - rate) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half_width), min(1.0, centre + half_width)


def uplift_interval(treated_buyers: int, treated: int, holdout_buyers: int, holdout: int) -> Uplift | None:
    """Newcombe's hybrid score interval of treated rate - holdout rate; None without both groups."""
    if treated == 0 or holdout == 0:
        return None
    treated_rate, holdout_rate = treated_buyers / treated, holdout_buyers / holdout
    treated_low, treated_high = wilson_interval(treated_buyers, treated)
    holdout_low, holdout_high = wilson_interval(holdout_buyers, holdout)
    difference = treated_rate - holdout_rate
    lower = difference - sqrt((treated_rate - treated_low) ** 2 + (holdout_high - holdout_rate) ** 2)
    upper = difference + sqrt((treated_high - treated_rate) ** 2 + (holdout_rate - holdout_low) ** 2)
    return Uplift(treated_rate, holdout_rate, difference, lower, upper)
