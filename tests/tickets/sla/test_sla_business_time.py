"""The business-time arithmetic on a table of cases; instants are fixed, no clock is read."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tickets.business_time import (
    Calendar,
    CalendarError,
    NeverOpen,
    business_minutes_add,
    business_minutes_between,
    calendar_document,
    calendar_parse,
    due_after_pause,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = [["09:00", "12:00"], ["13:00", "18:00"]]
# 2026-12-07 is a Monday; the 8th a holiday; Saturday the 12th a make-up workday (调休).
SHOP = calendar_parse(
    {
        "weekly": {"mon": OFFICE, "tue": OFFICE, "wed": OFFICE, "thu": OFFICE, "fri": OFFICE},
        "holidays": ["2026-12-08"],
        "workdays": ["2026-12-12"],
        "workday_periods": [["10:00", "16:00"]],
    },
    timezone="Asia/Shanghai",
)
PLAIN_WEEK = calendar_parse(
    {"weekly": {"mon": OFFICE, "tue": OFFICE, "wed": OFFICE, "fri": OFFICE}}, timezone="Asia/Shanghai"
)
ROUND_THE_CLOCK = Calendar(timezone="Asia/Shanghai")
NINE_TO_FIVE = [["09:00", "17:00"]]
NEW_YORK_OFFICE = calendar_parse(
    {"weekly": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), NINE_TO_FIVE)}, timezone="America/New_York"
)
BERLIN_EVERY_DAY = calendar_parse(
    {"weekly": dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), NINE_TO_FIVE)},
    timezone="Europe/Berlin",
)
BERLIN_SUNDAYS = calendar_parse({"weekly": {"sun": [["00:00", "24:00"]]}}, timezone="Europe/Berlin")


def at(zone, text):
    return datetime.fromisoformat(text).replace(tzinfo=zone)


@pytest.mark.parametrize(
    ("case", "calendar", "start", "minutes", "business_hours", "expected"),
    [
        ("within a period", PLAIN_WEEK, at(SHANGHAI, "2026-12-07 10:00"), 60, True, at(SHANGHAI, "2026-12-07 11:00")),
        ("over lunch", PLAIN_WEEK, at(SHANGHAI, "2026-12-07 11:30"), 60, True, at(SHANGHAI, "2026-12-07 13:30")),
        ("opened at lunch", PLAIN_WEEK, at(SHANGHAI, "2026-12-07 12:15"), 30, True, at(SHANGHAI, "2026-12-07 13:30")),
        ("into the next day", PLAIN_WEEK, at(SHANGHAI, "2026-12-07 17:30"), 60, True, at(SHANGHAI, "2026-12-08 09:30")),
        (
            "closed weekday skipped",
            PLAIN_WEEK,
            at(SHANGHAI, "2026-12-09 17:00"),
            120,
            True,
            at(SHANGHAI, "2026-12-11 10:00"),
        ),
        ("over the weekend", PLAIN_WEEK, at(SHANGHAI, "2026-12-11 17:00"), 120, True, at(SHANGHAI, "2026-12-14 10:00")),
        (
            "opened on a weekend",
            PLAIN_WEEK,
            at(SHANGHAI, "2026-12-12 10:00"),
            30,
            True,
            at(SHANGHAI, "2026-12-14 09:30"),
        ),
        (
            "opened before hours",
            PLAIN_WEEK,
            at(SHANGHAI, "2026-12-07 07:00"),
            30,
            True,
            at(SHANGHAI, "2026-12-07 09:30"),
        ),
        (
            "opened after hours, zero minutes",
            PLAIN_WEEK,
            at(SHANGHAI, "2026-12-07 20:00"),
            0,
            True,
            at(SHANGHAI, "2026-12-08 09:00"),
        ),
        (
            "a whole day ends at closing",
            PLAIN_WEEK,
            at(SHANGHAI, "2026-12-07 09:00"),
            480,
            True,
            at(SHANGHAI, "2026-12-07 18:00"),
        ),
        ("over a holiday", SHOP, at(SHANGHAI, "2026-12-07 17:00"), 120, True, at(SHANGHAI, "2026-12-09 10:00")),
        ("opened on a holiday", SHOP, at(SHANGHAI, "2026-12-08 10:00"), 30, True, at(SHANGHAI, "2026-12-09 09:30")),
        (
            "make-up Saturday with its own hours",
            SHOP,
            at(SHANGHAI, "2026-12-11 17:00"),
            120,
            True,
            at(SHANGHAI, "2026-12-12 11:00"),
        ),
        (
            "make-up Saturday to Monday",
            SHOP,
            at(SHANGHAI, "2026-12-12 15:00"),
            120,
            True,
            at(SHANGHAI, "2026-12-14 10:00"),
        ),
        (
            "calendar time ignores hours",
            SHOP,
            at(SHANGHAI, "2026-12-11 17:00"),
            120,
            False,
            at(SHANGHAI, "2026-12-11 19:00"),
        ),
        (
            "24x7 by default",
            ROUND_THE_CLOCK,
            at(SHANGHAI, "2026-12-12 23:00"),
            90,
            True,
            at(SHANGHAI, "2026-12-13 00:30"),
        ),
        (
            "New York office over spring forward",
            NEW_YORK_OFFICE,
            at(NEW_YORK, "2026-03-06 16:00"),
            120,
            True,
            datetime(2026, 3, 9, 14, 0, tzinfo=UTC),
        ),  # Monday 10:00 EDT
        (
            "New York office over fall back",
            NEW_YORK_OFFICE,
            at(NEW_YORK, "2026-10-30 16:00"),
            120,
            True,
            datetime(2026, 11, 2, 15, 0, tzinfo=UTC),
        ),  # Monday 10:00 EST
        (
            "Berlin into summer time",
            BERLIN_EVERY_DAY,
            at(BERLIN, "2026-03-28 16:00"),
            120,
            True,
            datetime(2026, 3, 29, 8, 0, tzinfo=UTC),
        ),  # Sunday 10:00 CEST
        (
            "Berlin into winter time",
            BERLIN_EVERY_DAY,
            at(BERLIN, "2026-10-24 16:00"),
            120,
            True,
            datetime(2026, 10, 25, 9, 0, tzinfo=UTC),
        ),  # Sunday 10:00 CET
        (
            "calendar time across spring forward is real time",
            NEW_YORK_OFFICE,
            at(NEW_YORK, "2026-03-08 01:00"),
            120,
            False,
            datetime(2026, 3, 8, 8, 0, tzinfo=UTC),
        ),  # 04:00 EDT, two real hours later
    ],
)
def test_business_minutes_add(case, calendar, start, minutes, business_hours, expected):
    assert business_minutes_add(calendar, start, minutes, business_hours=business_hours) == expected, case


@pytest.mark.parametrize(
    ("case", "calendar", "start", "end", "business_hours", "expected"),
    [
        ("lunch left out", PLAIN_WEEK, at(SHANGHAI, "2026-12-07 11:00"), at(SHANGHAI, "2026-12-07 14:00"), True, 120),
        ("weekend left out", PLAIN_WEEK, at(SHANGHAI, "2026-12-11 17:00"), at(SHANGHAI, "2026-12-14 10:00"), True, 120),
        (
            "both ends outside hours",
            PLAIN_WEEK,
            at(SHANGHAI, "2026-12-07 20:00"),
            at(SHANGHAI, "2026-12-08 07:00"),
            True,
            0,
        ),
        (
            "holiday left out, make-up day counted",
            SHOP,
            at(SHANGHAI, "2026-12-07 09:00"),
            at(SHANGHAI, "2026-12-13 09:00"),
            True,
            4 * 480 + 360,
        ),
        (
            "backwards is negative",
            PLAIN_WEEK,
            at(SHANGHAI, "2026-12-07 14:00"),
            at(SHANGHAI, "2026-12-07 11:00"),
            True,
            -120,
        ),
        (
            "calendar time",
            PLAIN_WEEK,
            at(SHANGHAI, "2026-12-11 17:00"),
            at(SHANGHAI, "2026-12-14 10:00"),
            False,
            65 * 60,
        ),
        (
            "seconds count",
            ROUND_THE_CLOCK,
            at(SHANGHAI, "2026-12-07 10:00"),
            at(SHANGHAI, "2026-12-07 10:00:30"),
            True,
            0.5,
        ),
        (
            "a spring-forward Sunday has 23 hours",
            BERLIN_SUNDAYS,
            at(BERLIN, "2026-03-29 00:00"),
            at(BERLIN, "2026-03-30 00:00"),
            True,
            23 * 60,
        ),
        (
            "a fall-back Sunday has 25 hours",
            BERLIN_SUNDAYS,
            at(BERLIN, "2026-10-25 00:00"),
            at(BERLIN, "2026-10-26 00:00"),
            True,
            25 * 60,
        ),
        (
            "a week in New York across spring forward",
            NEW_YORK_OFFICE,
            at(NEW_YORK, "2026-03-06 09:00"),
            at(NEW_YORK, "2026-03-10 09:00"),
            True,
            2 * 480,
        ),
    ],
)
def test_business_minutes_between(case, calendar, start, end, business_hours, expected):
    assert business_minutes_between(calendar, start, end, business_hours=business_hours) == expected, case


@pytest.mark.parametrize(
    ("case", "business_hours", "due_at", "paused_at", "resumed_at", "expected"),
    [
        (
            "time left carried over the night",
            True,
            at(SHANGHAI, "2026-12-07 15:00"),
            at(SHANGHAI, "2026-12-07 14:00"),
            at(SHANGHAI, "2026-12-09 17:30"),
            at(SHANGHAI, "2026-12-10 09:30"),
        ),
        (
            "paused over lunch counts only open time",
            True,
            at(SHANGHAI, "2026-12-07 14:00"),
            at(SHANGHAI, "2026-12-07 11:30"),
            at(SHANGHAI, "2026-12-07 16:00"),
            at(SHANGHAI, "2026-12-07 17:30"),
        ),
        (
            "already missed stays missed",
            True,
            at(SHANGHAI, "2026-12-07 15:00"),
            at(SHANGHAI, "2026-12-07 16:00"),
            at(SHANGHAI, "2026-12-09 10:00"),
            at(SHANGHAI, "2026-12-07 15:00"),
        ),
        (
            "calendar time",
            False,
            at(SHANGHAI, "2026-12-07 15:00"),
            at(SHANGHAI, "2026-12-07 14:00"),
            at(SHANGHAI, "2026-12-07 17:30"),
            at(SHANGHAI, "2026-12-07 18:30"),
        ),
    ],
)
def test_due_after_pause(case, business_hours, due_at, paused_at, resumed_at, expected):
    assert due_after_pause(SHOP, due_at, paused_at, resumed_at, business_hours=business_hours) == expected, case


def test_a_calendar_closed_for_years_is_refused():
    mondays = [date(2026, 1, 5) + timedelta(weeks=week) for week in range(52 * 4)]
    only_mondays_all_holidays = Calendar(weekly=(((540, 600),),) + ((),) * 6, holidays=frozenset(mondays))
    with pytest.raises(NeverOpen):
        business_minutes_add(only_mondays_all_holidays, at(SHANGHAI, "2026-01-01 00:00"), 10)


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"weekly": {"mon": [["25:00", "26:00"]]}}, "weekly.mon[0]"),
        ({"weekly": {"mon": [["9:00", "12:00"]]}}, "weekly.mon[0]"),
        ({"weekly": {"mon": [["09:00", "12:60"]]}}, "weekly.mon[0]"),
        ({"weekly": {"mon": [["12:00", "09:00"]]}}, "weekly.mon[0]"),
        ({"weekly": {"mon": [["09:00"]]}}, "weekly.mon[0]"),
        ({"weekly": {"mon": [["09:00", "12:00"], ["11:00", "18:00"]]}}, "weekly.mon"),
        ({"weekly": {"monday": []}}, "weekly.monday"),
        ({"weekly": []}, "weekly"),
        ({"weekly": {"tue": "09:00-18:00"}}, "weekly.tue"),
        ({"holidays": ["2026-02-30"]}, "holidays[0]"),
        ({"holidays": ["2026-2-3"]}, "holidays[0]"),
        ({"workdays": [20261212]}, "workdays[0]"),
        ({"holidays": ["2026-12-12"], "workdays": ["2026-12-12"]}, "workdays"),
        ({"workdays": ["2026-12-12"], "workday_periods": []}, "workday_periods"),
        ({"workday_periods": [["18:00", "09:00"]]}, "workday_periods[0]"),
        ({"weekdays": {}}, "weekdays"),
        ([], "calendar"),
    ],
)
def test_bad_documents_name_the_field(document, field):
    with pytest.raises(CalendarError) as error:
        calendar_parse(document, timezone="Asia/Shanghai")
    assert error.value.field == field


def test_document_round_trip_and_end_of_day():
    document = {
        "weekly": {"mon": OFFICE, "tue": [], "wed": [], "thu": [], "fri": [], "sat": [["20:00", "24:00"]], "sun": []},
        "holidays": ["2026-10-01"],
        "workdays": ["2026-10-10"],
        "workday_periods": [["09:00", "18:00"]],
    }
    calendar = calendar_parse(document, timezone="Asia/Shanghai")
    assert calendar_document(calendar) == document
    assert business_minutes_between(calendar, at(SHANGHAI, "2026-12-12 00:00"), at(SHANGHAI, "2026-12-13 00:00")) == 240
    assert calendar_parse({}, timezone="Asia/Shanghai").is_always_open


def test_calendar_time_between_counts_real_minutes_across_a_change():
    start, end = at(NEW_YORK, "2026-03-08 01:00"), at(NEW_YORK, "2026-03-08 04:00")
    assert business_minutes_between(NEW_YORK_OFFICE, start, end, business_hours=False) == 120
