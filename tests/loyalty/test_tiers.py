"""Tier boundaries, growth periods, a rule change taking effect on its date, decay, the
settle command and task (and that they leave another shop alone)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crm.tenancy.context import shop_scope
from loyalty.models import LedgerEntry, LoyaltyAccount
from loyalty.rules import TierRule
from loyalty.selectors import customer_loyalty, tier_benefits, tier_changes_since
from loyalty.services import loyalty_settle, tier_rules_schedule
from loyalty.tasks import loyalty_settle_task
from tests.loyalty.conftest import customer_of, local, paid_order, program_on, refund


def _tier(shop, customer, at=None):
    with shop_scope(shop.pk):
        return customer_loyalty(shop, customer, at=at)["tier"]


@pytest.mark.parametrize(
    ("total", "tier"),
    [("499.99", "注册会员"), ("500.00", "铜牌"), ("1999.00", "铜牌"), ("2000.00", "银牌"), ("20000.00", "钻石")],
)
def test_the_tier_is_the_highest_threshold_the_growth_value_reaches(shop, program, total, tier):
    order = paid_order(shop, "E1", total)
    assert _tier(shop, customer_of(shop, order)) == tier


def test_a_refund_below_the_threshold_drops_the_tier_and_records_both_changes(shop, program, clock):
    clock(local(2026, 3, 1, 9))
    order = paid_order(shop, "E1", "600.00")
    clock(local(2026, 3, 2, 9))
    refund(shop, order, "200.00")
    customer = customer_of(shop, order)
    assert _tier(shop, customer) == "注册会员"
    with shop_scope(shop.pk):
        changes = tier_changes_since(shop, local(2026, 3, 1))
    assert [(old, new) for _, old, new, _ in changes] == [(None, "铜牌"), ("铜牌", "注册会员")]
    assert changes[1][3] == local(2026, 3, 2, 9)


def test_new_tiers_take_effect_on_their_date_at_the_settle(shop, program, clock):
    clock(local(2026, 5, 10, 9))
    customer = customer_of(shop, paid_order(shop, "E1", "600.00"))
    with shop_scope(shop.pk):
        tier_rules_schedule(
            shop=shop, effective_from=local(2026, 6, 1).date(), actor=None,
            tiers=[TierRule("会员", 0), TierRule("VIP", 300, priority_service=True)],
        )  # fmt: skip
    assert _tier(shop, customer) == "铜牌"
    with shop_scope(shop.pk):
        loyalty_settle(shop=shop, at=local(2026, 5, 31, 23, 59))
    assert _tier(shop, customer) == "铜牌"
    clock(local(2026, 6, 1, 3))
    with shop_scope(shop.pk):
        loyalty_settle(shop=shop, at=local(2026, 6, 1, 0, 0))
        benefits = tier_benefits(shop, customer)
    assert _tier(shop, customer) == "VIP"
    assert (benefits["tier"], benefits["is_top_tier"], benefits["priority_service"]) == ("VIP", True, True)


def test_rolling_growth_forgets_orders_older_than_twelve_months(shop, clock):
    program_on(shop, growth_period="rolling_12_months")
    clock(local(2025, 4, 1, 12))
    customer = customer_of(shop, paid_order(shop, "E1", "600.00"))
    assert _tier(shop, customer) == "铜牌"
    with shop_scope(shop.pk):
        loyalty_settle(shop=shop, at=local(2026, 4, 1, 12, 1))
        assert customer_loyalty(shop, customer, at=local(2026, 4, 1, 13))["growth_value"] == 0
    assert _tier(shop, customer) == "注册会员"


def test_yearly_decay_takes_its_share_once_a_year(shop, clock):
    program_on(shop, yearly_decay_percent=50)
    clock(local(2026, 6, 1))
    customer = customer_of(shop, paid_order(shop, "E1", "3000.00"))
    with shop_scope(shop.pk):
        loyalty_settle(shop=shop, at=local(2026, 12, 31, 3))
        assert loyalty_settle(shop=shop, at=local(2027, 1, 1, 3)).decayed == 1
        assert loyalty_settle(shop=shop, at=local(2027, 1, 2, 3)).decayed == 0
        assert LoyaltyAccount.objects.get(customer_id=customer.pk).growth_value == 1500
    assert _tier(shop, customer) == "铜牌"


def test_the_command_settles_as_of_its_clock_and_only_the_named_shop(shop, other_shop, clock):
    program_on(shop)
    program_on(other_shop)
    clock(local(2026, 11, 1, 10))
    mine = customer_of(shop, paid_order(shop, "E1", "100.00"))
    paid_order(other_shop, "B1", "100.00")
    out = StringIO()
    call_command("loyalty_settle", shop.slug, "--at", "2026-11-08T10:00", stdout=out)
    assert "1 entries available" in out.getvalue()
    with shop_scope(shop.pk):
        assert customer_loyalty(shop, mine, at=local(2026, 11, 8, 11))["points_available"] == 100
    with shop_scope(other_shop.pk):
        assert LedgerEntry.objects.get().is_pending
    with pytest.raises(CommandError):
        call_command("loyalty_settle", shop.slug, "--at", "yesterday")


def test_the_settle_task_settles_its_own_shop_only(shop, other_shop, clock):
    program_on(shop)
    program_on(other_shop)
    clock(local(2026, 11, 1, 10))
    paid_order(shop, "E1", "100.00")
    paid_order(other_shop, "B1", "100.00")
    at = (local(2026, 11, 1, 10) + timedelta(days=8)).isoformat()
    assert loyalty_settle_task(shop.pk, at)["made_available"] == 1
    with shop_scope(other_shop.pk):
        assert LedgerEntry.objects.get().is_pending
