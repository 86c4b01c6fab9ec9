"""The calendar rules of care messages, on hand-made dates."""

from datetime import date

from campaigns.care_calendar import birthday_month_days, recurring_gift_date, same_day_in_year


def test_a_leap_day_birthday_is_greeted_on_28_february_in_a_common_year():
    assert same_day_in_year(date(2000, 2, 29), 2027) == date(2027, 2, 28)
    assert birthday_month_days(date(2027, 2, 28)) == [228, 229]
    assert birthday_month_days(date(2027, 3, 1)) == [301]


def test_in_a_leap_year_the_leap_day_birthday_has_its_own_day():
    assert birthday_month_days(date(2028, 2, 28)) == [228]
    assert birthday_month_days(date(2028, 2, 29)) == [229]


def test_gift_date_from_orders_around_the_same_day_in_two_earlier_years():
    history = [date(2024, 10, 10), date(2025, 10, 12), date(2025, 3, 1)]
    assert recurring_gift_date(history, around=date(2026, 10, 11)) == date(2026, 10, 11)
    # Asked about another day near it, the answer is the same date.
    assert recurring_gift_date(history, around=date(2026, 10, 6)) == date(2026, 10, 11)


def test_one_year_of_orders_is_not_a_habit():
    history = [date(2025, 10, 8), date(2025, 10, 10), date(2025, 10, 12)]
    assert recurring_gift_date(history, around=date(2026, 10, 10)) is None


def test_orders_outside_the_window_do_not_count():
    history = [date(2024, 10, 1), date(2025, 10, 20)]
    assert recurring_gift_date(history, around=date(2026, 10, 10)) is None


def test_the_window_crosses_the_new_year():
    history = [date(2023, 12, 30), date(2025, 1, 2)]
    assert recurring_gift_date(history, around=date(2026, 1, 1)) == date(2026, 1, 1)


def test_this_years_orders_are_not_history():
    history = [date(2025, 10, 10), date(2026, 10, 9)]
    assert recurring_gift_date(history, around=date(2026, 10, 10)) is None


def test_the_nearest_order_of_each_year_counts():
    history = [date(2024, 10, 3), date(2024, 10, 10), date(2025, 10, 10), date(2025, 10, 16)]
    assert recurring_gift_date(history, around=date(2026, 10, 10)) == date(2026, 10, 10)
