"""The demo shop shows the whole program: customers in several tiers, entries of every kind
that a shop's own history produces, and a report with real numbers; seeding twice adds nothing."""

import pytest

from crm.tenancy.context import shop_scope
from loyalty.demo import demo_loyalty_seed
from loyalty.models import EntryKind, LedgerEntry, LoyaltyAccount
from loyalty.selectors import program_report
from orders.demo import demo_orders_seed
from tests.conftest import make_shop

pytestmark = pytest.mark.django_db


def test_the_demo_program_has_tiers_and_entries_of_every_kind():
    shop = make_shop("loyalty-demo", "owner@loyalty-demo.example")
    with shop_scope(shop.pk):
        demo_orders_seed(shop=shop, customers=80)
        made = demo_loyalty_seed(shop=shop)
        kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
        tiers = set(LoyaltyAccount.objects.values_list("tier_name", flat=True))
        report = program_report(shop=shop)
        assert demo_loyalty_seed(shop=shop) == 0
        assert LedgerEntry.objects.count() == made
    wanted = {
        EntryKind.EARN,
        EntryKind.REDEEM,
        EntryKind.EXPIRE,
        EntryKind.CLAWBACK,
        EntryKind.RETURN,
        EntryKind.ADJUST,
    }
    assert wanted <= kinds
    assert len(tiers) >= 3
    assert report["points_outstanding"] > 0 and report["points_expired"] > 0
