"""The program's arithmetic, pure: no ORM, no clock. Points and growth are whole numbers,
always rounded down (a customer is never promised a fraction the ledger cannot hold)."""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal


@dataclass(frozen=True)
class TierRule:
    name: str
    threshold: int
    points_multiplier: Decimal = Decimal("1")
    free_shipping: bool = False
    priority_service: bool = False
    coupon_campaign_id: int | None = None


def whole(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def points_for_amount(amount: Decimal, *, per_unit: Decimal, multiplier: Decimal = Decimal("1")) -> int:
    return max(whole(amount * per_unit * multiplier), 0)


def pro_rata(earned: int, *, refunded: Decimal, total: Decimal) -> int:
    """How much of `earned` a refund of `refunded` out of `total` takes back (cumulative:
    the same refunds always give the same answer, so a replay takes back nothing more)."""
    if total <= 0 or refunded >= total:
        return earned
    return whole(Decimal(earned) * refunded / total)


def tier_for(growth: int, tiers: Sequence[TierRule]) -> TierRule | None:
    """The highest tier whose threshold the growth value reaches; tiers sorted by threshold."""
    reached = None
    for tier in tiers:
        if growth >= tier.threshold:
            reached = tier
    return reached


def next_tier(growth: int, tiers: Sequence[TierRule]) -> TierRule | None:
    return next((tier for tier in tiers if tier.threshold > growth), None)


def tier_rank(name: str, tiers: Sequence[TierRule]) -> int:
    """Position of a tier by name in the sorted rules; -1 for no tier or an unknown name."""
    return next((index for index, tier in enumerate(tiers) if tier.name == name), -1)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))
