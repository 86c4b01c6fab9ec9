"""Business-time arithmetic for a shop's service calendar: pure functions, no ORM, no clock.

A calendar is a set of opening periods per weekday (several a day, e.g. a lunch break),
holidays (closed), and make-up workdays (调休: a weekend day worked with `workday_periods`),
all in wall-clock time of the shop's timezone. Periods are turned into real instants day by
day, so a period that spans a daylight-saving change is as long as it really lasts. A calendar
with no period on any weekday is open around the clock (holidays still close it).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# A calendar that is closed for this long (holidays over everything) cannot meet any target.
SEARCH_LIMIT_DAYS = 3 * 366

Period = tuple[int, int]  # minutes after local midnight: [start, end), end up to 1440


class CalendarError(ValueError):
    """A calendar document that cannot be used; `field` names the offending part."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NeverOpen(ValueError):
    """The calendar has no open time within the search limit."""


@dataclass(frozen=True)
class Calendar:
    timezone: str = "Asia/Shanghai"
    weekly: tuple[tuple[Period, ...], ...] = ((),) * 7  # Monday first
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    workday_periods: tuple[Period, ...] = ((9 * 60, 18 * 60),)

    @property
    def is_always_open(self) -> bool:
        return not any(self.weekly)

    def periods_on(self, day: date) -> tuple[Period, ...]:
        if day in self.holidays:
            return ()
        if day in self.workdays:
            return self.workday_periods
        if self.is_always_open:
            return ((0, MINUTES_PER_DAY),)
        return self.weekly[day.weekday()]


def _instant(zone: ZoneInfo, day: date, minute: int) -> datetime:
    """The real instant of a wall-clock minute (an ambiguous one is its first occurrence)."""
    if minute >= MINUTES_PER_DAY:
        day, minute = day + timedelta(days=1), minute - MINUTES_PER_DAY
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone).astimezone(UTC)


def _open_intervals(calendar: Calendar, start_day: date, end_day: date):
    """Open intervals as UTC instants, day by day from `start_day` to `end_day` inclusive."""
    zone = ZoneInfo(calendar.timezone)
    day = start_day
    while day <= end_day:
        for begin, end in calendar.periods_on(day):
            opens, closes = _instant(zone, day, begin), _instant(zone, day, end)
            if opens < closes:
                yield opens, closes
        day += timedelta(days=1)


def _local_day(calendar: Calendar, instant: datetime) -> date:
    return instant.astimezone(ZoneInfo(calendar.timezone)).date()


def business_minutes_add(
    calendar: Calendar, start: datetime, minutes: float, *, business_hours: bool = True
) -> datetime:
    """The instant `minutes` of open time after `start` (plain elapsed time when
    `business_hours` is false). A target that starts outside hours starts at the next opening."""
    # Arithmetic on aware datetimes of one zone is wall-clock arithmetic: count in UTC.
    start = start.astimezone(UTC)
    if not business_hours:
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    first_day = _local_day(calendar, start)
    for opens, closes in _open_intervals(calendar, first_day, first_day + timedelta(days=SEARCH_LIMIT_DAYS)):
        if closes <= start:
            continue
        opens = max(opens, start)
        if opens + remaining <= closes:
            return opens + remaining
        remaining -= closes - opens
    raise NeverOpen("The service calendar has no open time within three years.")


def business_minutes_between(
    calendar: Calendar, start: datetime, end: datetime, *, business_hours: bool = True
) -> float:
    """Open minutes from `start` to `end` (negative when `end` comes first)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end < start:
        return -business_minutes_between(calendar, end, start, business_hours=business_hours)
    if not business_hours:
        return (end - start).total_seconds() / 60
    total = timedelta()
    for opens, closes in _open_intervals(calendar, _local_day(calendar, start), _local_day(calendar, end)):
        overlap = min(closes, end) - max(opens, start)
        if overlap > timedelta():
            total += overlap
    return total.total_seconds() / 60


def due_after_pause(
    calendar: Calendar, due_at: datetime, paused_at: datetime, resumed_at: datetime, *, business_hours: bool = True
) -> datetime:
    """A target paused at `paused_at` keeps the open time it had left, counted from `resumed_at`.
    A target already missed when paused stays missed at its old time."""
    if due_at <= paused_at:
        return due_at
    left = business_minutes_between(calendar, paused_at, due_at, business_hours=business_hours)
    return business_minutes_add(calendar, resumed_at, left, business_hours=business_hours)


# --- the calendar document of the API (the contract) --------------------------------


def _parse_clock(value, field_name: str, *, allow_end_of_day: bool) -> int:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":" or not (value[:2] + value[3:]).isdigit():
        raise CalendarError(field_name, "Use a time as HH:MM.")
    hours, minutes = int(value[:2]), int(value[3:])
    if (hours, minutes) == (24, 0) and allow_end_of_day:
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise CalendarError(field_name, f"{value} is not a time of day.")
    return hours * 60 + minutes


def periods_parse(value, field_name: str) -> tuple[Period, ...]:
    """A list of ["HH:MM", "HH:MM"] pairs, each ending after it starts, none overlapping."""
    if not isinstance(value, list):
        raise CalendarError(field_name, "Give a list of [start, end] pairs.")
    periods = []
    for index, pair in enumerate(value):
        name = f"{field_name}[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise CalendarError(name, "Give a [start, end] pair.")
        start = _parse_clock(pair[0], name, allow_end_of_day=False)
        end = _parse_clock(pair[1], name, allow_end_of_day=True)
        if end <= start:
            raise CalendarError(name, "The period ends before it starts.")
        periods.append((start, end))
    periods.sort()
    for earlier, later in zip(periods, periods[1:], strict=False):
        if later[0] < earlier[1]:
            raise CalendarError(field_name, "Periods overlap.")
    return tuple(periods)


def _parse_dates(value, field_name: str) -> frozenset[date]:
    if not isinstance(value, list):
        raise CalendarError(field_name, "Give a list of dates as YYYY-MM-DD.")
    days = set()
    for index, text in enumerate(value):
        try:
            if not isinstance(text, str) or len(text) != 10:
                raise ValueError
            days.add(date.fromisoformat(text))
        except ValueError:
            raise CalendarError(f"{field_name}[{index}]", "Use a date as YYYY-MM-DD.") from None
    return frozenset(days)


def calendar_parse(document, *, timezone: str) -> Calendar:
    """The calendar of an API document; raises CalendarError naming the first bad field."""
    if not isinstance(document, dict):
        raise CalendarError("calendar", "Send a JSON object.")
    unknown = set(document) - {"weekly", "holidays", "workdays", "workday_periods"}
    if unknown:
        raise CalendarError(sorted(unknown)[0], "Unknown field.")
    weekly_document = document.get("weekly", {})
    if not isinstance(weekly_document, dict):
        raise CalendarError("weekly", "Give an object of weekday: periods.")
    for name in weekly_document:
        if name not in WEEKDAYS:
            raise CalendarError(f"weekly.{name}", "Unknown weekday; use mon, tue, wed, thu, fri, sat or sun.")
    weekly = tuple(periods_parse(weekly_document.get(name, []), f"weekly.{name}") for name in WEEKDAYS)
    holidays = _parse_dates(document.get("holidays", []), "holidays")
    workdays = _parse_dates(document.get("workdays", []), "workdays")
    both = holidays & workdays
    if both:
        raise CalendarError("workdays", f"{min(both).isoformat()} is also a holiday.")
    workday_periods = periods_parse(document.get("workday_periods", [["09:00", "18:00"]]), "workday_periods")
    if workdays and not workday_periods:
        raise CalendarError("workday_periods", "Make-up workdays need opening hours.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError("timezone", "Unknown timezone.") from None
    return Calendar(timezone, weekly, holidays, workdays, workday_periods)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def calendar_document(calendar: Calendar) -> dict:
    """The API document of a calendar (the inverse of `calendar_parse`)."""
    return {
        "weekly": {
            name: [[_clock(start), _clock(end)] for start, end in periods]
            for name, periods in zip(WEEKDAYS, calendar.weekly, strict=True)
        },
        "holidays": sorted(day.isoformat() for day in calendar.holidays),
        "workdays": sorted(day.isoformat() for day in calendar.workdays),
        "workday_periods": [[_clock(start), _clock(end)] for start, end in calendar.workday_periods],
    }
