"""The loyalty pages: the program report and settings, the tier editor with its preview, the
customer 360 section and the staff adjustment form (managers), in the staff's shop only."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import AuditEvent, Role
from crm.tenancy.context import shop_scope
from loyalty.models import LedgerEntry, LoyaltyProgram, TierRuleVersion
from tests.conftest import make_user
from tests.loyalty.conftest import customer_of, paid_order, program_on

pytestmark = pytest.mark.django_db


def url(name: str, shop, **kwargs) -> str:
    return reverse(f"loyalty:{name}", kwargs={"shop_slug": shop.slug, **kwargs})


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_program_page_reports_members_points_and_liability(staff_client, shop, program):
    paid_order(shop, "E1", "600.00")
    page = staff_client.get(url("program", shop)).content.decode()
    for text in ["Members per tier", "铜牌", "Points issued", "Outstanding liability", "6.00", "Save settings"]:
        assert text in page


def test_an_agent_sees_the_report_but_cannot_change_settings(shop, agent):
    client = client_for(agent)
    page = client.get(url("program", shop)).content.decode()
    assert "Members per tier" in page and "Save settings" not in page
    assert client.post(url("program", shop), {"is_enabled": "on"}).status_code == 403
    assert client.get(url("tiers", shop)).status_code == 403


def test_settings_are_saved_and_bad_values_are_shown_not_saved(staff_client, shop):
    form = {
        "is_enabled": "on", "points_per_unit": "2", "growth_per_unit": "1", "return_window_days": "10",
        "points_expiry_months": "6", "expiry_reminder_days": "15", "growth_period": "lifetime",
        "yearly_decay_percent": "0", "point_value": "0.02",
    }  # fmt: skip
    assert staff_client.post(url("program", shop), {**form, "return_window_days": "999"}).status_code == 400
    with shop_scope(shop.pk):
        assert not LoyaltyProgram.objects.exists()
    assert staff_client.post(url("program", shop), form).status_code == 302
    with shop_scope(shop.pk):
        assert LoyaltyProgram.objects.get().return_window_days == 10


def _tier_form(rows, effective_from, **extra) -> dict:
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": "0", "effective_from": effective_from, **extra}
    for index, (name, threshold) in enumerate(rows):
        data.update({f"form-{index}-name": name, f"form-{index}-threshold": threshold,
                     f"form-{index}-points_multiplier": "1"})  # fmt: skip
    return data


def test_the_tier_editor_previews_then_saves_from_a_date(staff_client, shop, program):
    paid_order(shop, "E1", "600.00")
    today = timezone.localdate(timezone=shop.tzinfo).isoformat()
    rows = [("会员", "0"), ("VIP", "100")]
    preview = staff_client.post(url("tiers", shop), _tier_form(rows, today, preview="1"))
    assert preview.status_code == 200
    assert "Move up" in preview.content.decode()
    with shop_scope(shop.pk):
        assert not TierRuleVersion.objects.exists()
    assert staff_client.post(url("tiers", shop), _tier_form(rows, today)).status_code == 302
    duplicate = staff_client.post(url("tiers", shop), _tier_form([("A", "0"), ("A", "5")], today))
    assert duplicate.status_code == 400 and "Tier names must be different" in duplicate.content.decode()
    with shop_scope(shop.pk):
        assert [tier.name for tier in TierRuleVersion.objects.get().tiers.order_by("threshold")] == ["会员", "VIP"]


def test_the_customer_360_shows_tier_points_and_entries(staff_client, shop, program):
    customer = customer_of(shop, paid_order(shop, "E1", "600.00"))
    detail = reverse("customers:detail", kwargs={"shop_slug": shop.slug, "customer_id": customer.pk})
    page = staff_client.get(detail).content.decode()
    assert 'id="customer-loyalty"' in page and "铜牌" in page and "Adjust points" in page
    body = staff_client.get(f"/api/v1/s/{shop.slug}/customers/{customer.pk}/overview/").json()
    assert body["sections"]["loyalty"]["loyalty"]["points_pending"] == 600


def test_a_manager_adjusts_points_with_a_reason(shop, program):
    manager = make_user("loyalty-manager@tea.example", Role.MANAGER, shop)
    customer = customer_of(shop, paid_order(shop, "E1", "10.00"))
    client = client_for(manager)
    assert client.post(url("adjust", shop, customer_id=customer.pk), {"points": "-5", "reason": "x"}).status_code == 400
    response = client.post(url("adjust", shop, customer_id=customer.pk), {"points": "50", "reason": "Late parcel"})
    assert response.status_code == 302
    with shop_scope(shop.pk):
        entry = LedgerEntry.objects.get(kind="adjust")
        assert (entry.points, entry.reason, entry.actor_user_id) == (50, "Late parcel", manager.pk)
        assert AuditEvent.objects.filter(action="loyalty.points_adjust").count() == 1


def test_agents_cannot_adjust_and_another_shops_customer_is_a_404(shop, other_shop, agent, staff_client):
    program_on(other_shop)
    theirs = customer_of(other_shop, paid_order(other_shop, "B1", "10.00"))
    assert staff_client.get(url("adjust", shop, customer_id=theirs.pk)).status_code == 404
    assert (
        staff_client.post(url("adjust", shop, customer_id=theirs.pk), {"points": "5", "reason": "x"}).status_code == 404
    )
    with shop_scope(other_shop.pk):
        assert LedgerEntry.objects.count() == 1
    mine = customer_of(shop, paid_order(shop, "E1", "10.00"))
    assert client_for(agent).get(url("adjust", shop, customer_id=mine.pk)).status_code == 403
