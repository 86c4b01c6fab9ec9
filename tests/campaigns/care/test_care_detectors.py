"""Who each scanned care rule finds on a shop day, on hand-made customers and orders."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from campaigns.models import CareKind, CareRule
from campaigns.services.care_occasions import (
    birthday_occasions,
    first_purchase_occasions,
    points_expiring_occasions,
    recurring_gift_occasions,
    tier_upgrade_occasions,
    valuable_at_risk_occasions,
    win_back_occasions,
)
from crm.tenancy.context import shop_scope
from insights.models import CustomerScore, RunStatus, ScoringRun, ShopScoringState
from loyalty.models import LedgerEntry, TierChange
from tests.customers.factories import CustomerFactory
from tests.insights.conftest import local, order_add

pytestmark = pytest.mark.django_db


def rule(kind, **fields):
    return CareRule(kind=kind, is_enabled=True, channels=["sms"], **fields)


def keys(occasions):
    return sorted((occasion.customer_id, occasion.key) for occasion in occasions)


def lapsed_customer(shop, *, first: date, last: date, orders: int):
    at = local(shop, last)
    return CustomerFactory(
        shop=shop, orders_count=orders, first_order_at=local(shop, first), last_order_at=at, total_spent=Decimal(10)
    )


def test_birthdays_of_the_day_in_the_shops_timezone(in_shop):
    today = date(2027, 3, 7)
    due = CustomerFactory(shop=in_shop, birthday=date(1990, 3, 7))
    CustomerFactory(shop=in_shop, birthday=date(1990, 3, 8))
    merged = CustomerFactory(shop=in_shop, birthday=date(1991, 3, 7))
    CustomerFactory(shop=in_shop, birthday=date(1992, 3, 7), merged_into=due)
    merged.erased_at = datetime(2026, 1, 1, tzinfo=in_shop.tzinfo)
    merged.save()
    assert keys(birthday_occasions(shop=in_shop, rule=rule(CareKind.BIRTHDAY), today=today)) == [(due.pk, "2027")]


def test_birthday_days_before_and_the_leap_day(in_shop):
    leap = CustomerFactory(shop=in_shop, birthday=date(2000, 2, 29))
    found = birthday_occasions(shop=in_shop, rule=rule(CareKind.BIRTHDAY, days=3), today=date(2027, 2, 25))
    assert keys(found) == [(leap.pk, "2027")]
    assert birthday_occasions(shop=in_shop, rule=rule(CareKind.BIRTHDAY), today=date(2027, 3, 1)) == []
    assert keys(birthday_occasions(shop=in_shop, rule=rule(CareKind.BIRTHDAY), today=date(2028, 2, 29))) == [
        (leap.pk, "2028")
    ]


def test_win_back_after_n_days_once_per_lapse(in_shop):
    today = date(2026, 6, 30)
    lapsed = lapsed_customer(in_shop, first=date(2025, 1, 1), last=today - timedelta(days=90), orders=1)
    lapsed_week_ago = lapsed_customer(in_shop, first=date(2025, 1, 1), last=today - timedelta(days=96), orders=1)
    lapsed_customer(in_shop, first=date(2025, 1, 1), last=today - timedelta(days=89), orders=1)
    lapsed_customer(in_shop, first=date(2025, 1, 1), last=today - timedelta(days=97), orders=1)
    found = win_back_occasions(shop=in_shop, rule=rule(CareKind.WIN_BACK, days=90), today=today)
    assert keys(found) == sorted(
        [(lapsed.pk, (today - timedelta(days=90)).isoformat()), (lapsed_week_ago.pk, "2026-03-26")]
    )


def test_win_back_at_a_multiple_of_the_customers_own_interval(in_shop):
    today = date(2026, 6, 30)
    # Ordered every 20 days (5 orders over 80 days); 3 x 20 = 60 days of silence is a lapse.
    monthly = lapsed_customer(in_shop, first=today - timedelta(days=140), last=today - timedelta(days=60), orders=5)
    # Ordered every 5 days: the floor of 14 days applies, so 42 days.
    busy = lapsed_customer(in_shop, first=today - timedelta(days=62), last=today - timedelta(days=42), orders=5)
    lapsed_customer(in_shop, first=today - timedelta(days=139), last=today - timedelta(days=59), orders=5)
    found = win_back_occasions(
        shop=in_shop, rule=rule(CareKind.WIN_BACK, days=365, gap_multiple=Decimal("3.0")), today=today
    )
    assert {occasion.customer_id for occasion in found} == {monthly.pk, busy.pk}


def test_first_purchase_reactivation_only_for_one_time_buyers(in_shop):
    today = date(2026, 6, 30)
    once = lapsed_customer(in_shop, first=today - timedelta(days=30), last=today - timedelta(days=30), orders=1)
    lapsed_customer(in_shop, first=today - timedelta(days=60), last=today - timedelta(days=30), orders=2)
    reactivation = rule(CareKind.FIRST_PURCHASE_REACTIVATION, days=30)
    found = first_purchase_occasions(shop=in_shop, rule=reactivation, today=today)
    assert keys(found) == [(once.pk, "2026-05-31")]


def test_recurring_gift_reminder_n_days_before_the_habitual_date(in_shop):
    giver = CustomerFactory(shop=in_shop)
    once = CustomerFactory(shop=in_shop)
    for day in (date(2024, 10, 9), date(2025, 10, 11), date(2025, 4, 1)):
        order_add(in_shop, giver, local(in_shop, day), 100)
    order_add(in_shop, once, local(in_shop, date(2025, 10, 10)), 100)
    order_add(in_shop, once, local(in_shop, date(2025, 10, 12)), 100, status="cancelled")
    gift_rule = rule(CareKind.RECURRING_GIFT, days=7)
    assert keys(recurring_gift_occasions(shop=in_shop, rule=gift_rule, today=date(2026, 10, 3))) == [(giver.pk, "2026")]
    assert recurring_gift_occasions(shop=in_shop, rule=gift_rule, today=date(2026, 10, 1)) == []


def _scored(shop, run, customer, segment, stage):
    CustomerScore.objects.create(
        shop=shop, run=run, customer=customer, recency_days=10, frequency=3, monetary=Decimal(100), r_score=3,
        f_score=3, m_score=3, segment=segment, lifecycle_stage=stage,
    )  # fmt: skip


def test_valuable_customers_who_turn_at_risk_after_a_run(in_shop):
    runs = [
        ScoringRun.objects.create(shop=in_shop, number=n, as_of=date(2026, 6, n), status=RunStatus.SUCCEEDED)
        for n in (1, 2)
    ]
    ShopScoringState.objects.create(shop=in_shop, current_run=runs[1])
    champion, loyal_still_risky, hibernating, new = (CustomerFactory(shop=in_shop) for _ in range(4))
    champion.last_order_at = local(in_shop, date(2026, 3, 1))
    champion.save()
    _scored(in_shop, runs[0], champion, "champions", "active")
    _scored(in_shop, runs[1], champion, "at_risk", "at_risk")
    _scored(in_shop, runs[0], loyal_still_risky, "loyal", "at_risk")
    _scored(in_shop, runs[1], loyal_still_risky, "loyal", "at_risk")
    _scored(in_shop, runs[0], hibernating, "hibernating", "active")
    _scored(in_shop, runs[1], hibernating, "hibernating", "at_risk")
    _scored(in_shop, runs[1], new, "champions", "at_risk")
    valuable = rule(CareKind.VALUABLE_AT_RISK, segments=["champions", "loyal", "cannot_lose_them"])
    found = valuable_at_risk_occasions(shop=in_shop, rule=valuable, today=date(2026, 6, 3))
    assert keys(found) == [(champion.pk, "2026-03-01")]


def test_detectors_see_only_their_shop(shop, other_shop):
    with shop_scope(other_shop.pk):
        CustomerFactory(shop=other_shop, birthday=date(1990, 3, 7))
    with shop_scope(shop.pk):
        assert birthday_occasions(shop=shop, rule=rule(CareKind.BIRTHDAY), today=date(2027, 3, 7)) == []


def test_points_about_to_expire_n_days_before_with_the_points(in_shop):
    saver, spender = CustomerFactory(shop=in_shop), CustomerFactory(shop=in_shop)
    expires = datetime(2026, 10, 17, 12, tzinfo=in_shop.tzinfo)
    for customer, remaining in ((saver, 120), (spender, 0)):
        LedgerEntry.objects.create(
            shop=in_shop, customer=customer, kind="earn", points=120, remaining=remaining, expires_at=expires
        )
    found = points_expiring_occasions(
        shop=in_shop, rule=rule(CareKind.POINTS_EXPIRING, days=7), today=date(2026, 10, 10)
    )
    assert [(o.customer_id, o.key, o.variables) for o in found] == [(saver.pk, "2026-10-17", {"amount": "120"})]


def test_tier_upgrades_since_yesterday_but_not_downgrades(in_shop):
    up, down, old = (CustomerFactory(shop=in_shop) for _ in range(3))
    yesterday = datetime(2026, 10, 9, 15, tzinfo=in_shop.tzinfo)
    TierChange.objects.create(shop=in_shop, customer=up, old_tier="铜牌", new_tier="银牌", changed_at=yesterday)
    TierChange.objects.create(shop=in_shop, customer=down, old_tier="银牌", new_tier="铜牌", changed_at=yesterday)
    TierChange.objects.create(
        shop=in_shop, customer=old, old_tier="", new_tier="金牌", changed_at=yesterday - timedelta(days=2)
    )
    found = tier_upgrade_occasions(shop=in_shop, rule=rule(CareKind.TIER_UPGRADE), today=date(2026, 10, 10))
    assert keys(found) == [(up.pk, "银牌:2026-10-09")]
