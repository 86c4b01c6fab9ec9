"""Bounds on dates typed by people: outside them a date is a typo, and at the edge of the
calendar arithmetic breaks (9999-12-31 plus one day does not exist: that was a 500)."""

from datetime import date

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def date_within_bounds(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


def birthday_is_plausible(day: date, *, today: date) -> bool:
    return EARLIEST_DATE <= day <= today
