"""Compensation: each kind through the app that gives it, manager approval above the shop's
thresholds, and never conditional on a review change."""

from decimal import Decimal

import pytest

from campaigns.models import Coupon
from crm.tenancy.context import shop_scope
from loyalty.models import LedgerEntry
from tests.campaigns.coupons.helpers import launched_campaign
from tickets.models import CompensationStatus
from tickets.services import CompensationInvalid, compensation_decide, compensation_request

pytestmark = pytest.mark.django_db


def test_a_coupon_comes_from_a_running_campaign_and_counts_its_value(shop, owner, ticket):
    campaign = launched_campaign(shop, name="售后补偿", code="SORRY20")
    with shop_scope(shop.pk):
        compensation = compensation_request(shop=shop, ticket=ticket, kind="coupon", campaign=campaign, user=owner)
        coupon = Coupon.objects.get(campaign=campaign, customer=ticket.customer)
    assert compensation.status == CompensationStatus.APPLIED
    assert (compensation.coupon_id, compensation.amount) == (coupon.pk, Decimal("20.00"))


def test_points_above_the_threshold_wait_for_a_manager_then_go_to_the_ledger(shop, agent, manager, ticket):
    with shop_scope(shop.pk):
        waiting = compensation_request(shop=shop, ticket=ticket, kind="points", points=5000, user=agent)
        assert waiting.status == CompensationStatus.PENDING_APPROVAL
        assert not LedgerEntry.objects.filter(customer=ticket.customer).exists()
        with pytest.raises(CompensationInvalid):
            compensation_decide(shop=shop, compensation_id=waiting.pk, approve=True, user=agent)
        compensation_decide(shop=shop, compensation_id=waiting.pk, approve=True, user=manager)
        assert LedgerEntry.objects.get(customer=ticket.customer).points == 5000
        with pytest.raises(CompensationInvalid, match="already decided"):
            compensation_decide(shop=shop, compensation_id=waiting.pk, approve=True, user=manager)


def test_small_points_take_effect_at_once(shop, agent, ticket):
    with shop_scope(shop.pk):
        assert compensation_request(shop=shop, ticket=ticket, kind="points", points=100, user=agent).status == (
            CompensationStatus.APPLIED
        )


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        ("refund", {"amount": Decimal("10")}, "kind"),  # the ticket has no order
        ("coupon", {}, "campaign"),
        ("points", {"points": 0}, "points"),
        ("apology", {"note": "追评五星返10元"}, "note"),
        ("apology", {"note": "refund if you change your review"}, "note"),
        ("cash", {}, "kind"),
    ],
)
def test_refused_compensation_names_the_field(shop, owner, ticket, kind, changes, field):
    with shop_scope(shop.pk), pytest.raises(CompensationInvalid) as refused:
        compensation_request(shop=shop, ticket=ticket, kind=kind, user=owner, **changes)
    assert field in refused.value.errors


def test_the_reports_page_shows_the_cost_of_service_recovery_per_month_and_category(client, shop, manager, ticket):
    with shop_scope(shop.pk):
        compensation_request(shop=shop, ticket=ticket, kind="replacement", amount=Decimal("88.00"), user=manager)
        compensation_request(shop=shop, ticket=ticket, kind="points", points=300, user=manager)
        compensation_request(shop=shop, ticket=ticket, kind="replacement", amount=Decimal("500.00"), user=None)
    client.force_login(manager)
    page = client.get(f"/s/{shop.slug}/tickets/reports/").content.decode()
    section = page[page.index('id="recovery-costs"') :]
    assert "Product quality" in section and "88.00" in section and "300" in section
    assert "500.00" not in section  # still awaiting approval
