"""Calendar arithmetic of the care rules: pure functions of dates, no ORM, no clock.

Every date here is a day in the shop's timezone; callers convert.
"""

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from statistics import median

FEBRUARY = 2
LEAP_DAY = 29


def same_day_in_year(day: date, year: int) -> date:
    """`day`'s calendar date in `year`; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, FEBRUARY, 28)


def month_day_number(month: int, day: int) -> int:
    """The number customers' birthdays are indexed by (customers.Customer.birthday_month_day)."""
    return month * 100 + day


def birthday_month_days(celebrated_on: date) -> list[int]:
    """The birthdays (as month-day numbers) celebrated on `celebrated_on`: its own date, and
    on 28 February of a common year also 29 February (greeted the day before, never skipped)."""
    numbers = [month_day_number(celebrated_on.month, celebrated_on.day)]
    if (celebrated_on.month, celebrated_on.day) == (FEBRUARY, 28) and not calendar.isleap(celebrated_on.year):
        numbers.append(month_day_number(FEBRUARY, LEAP_DAY))
    return numbers


def recurring_gift_date(
    order_days: Iterable[date], *, around: date, window_days: int = 7, minimum_years: int = 2
) -> date | None:
    """This year's gift date of a customer who ordered within `window_days` of `around`'s
    calendar date in at least `minimum_years` earlier years, else None.

    Per earlier year the order nearest that year's anniversary of `around` counts; the gift
    date is `around` moved by the median of those orders' offsets, so a customer who bought
    on 10 October each year gets 10 October whichever day near it is asked about."""
    offsets_by_year: dict[int, int] = {}
    for day in order_days:
        for year in (day.year - 1, day.year, day.year + 1):
            if year >= around.year:
                continue
            offset = (day - same_day_in_year(around, year)).days
            if abs(offset) <= window_days and abs(offset) < abs(offsets_by_year.get(year, window_days + 1)):
                offsets_by_year[year] = offset
    if len(offsets_by_year) < minimum_years:
        return None
    return around + timedelta(days=round(median(offsets_by_year.values())))
