"""The managers' admin for loyalty: the ledger read-only and scoped to the admin's shop, the
program's settings saved through the service (validated, audited)."""

import pytest

from crm.models import AuditEvent
from crm.tenancy.context import shop_scope
from loyalty.models import LedgerEntry, LoyaltyProgram
from tests.loyalty.conftest import paid_order, program_on

pytestmark = pytest.mark.django_db


def test_entries_are_read_only_and_scoped_to_the_admin_shop(client, manager, shop, other_shop, program):
    program_on(other_shop)
    paid_order(shop, "E1", "10.00")
    paid_order(other_shop, "B1", "20.00")
    with shop_scope(shop.pk):
        own = LedgerEntry.objects.get()
    with shop_scope(other_shop.pk):
        foreign = LedgerEntry.objects.get()
    client.force_login(manager)
    listing = client.get("/admin/loyalty/ledgerentry/").content.decode()
    assert f"/admin/loyalty/ledgerentry/{own.pk}/change/" in listing
    assert f"/admin/loyalty/ledgerentry/{foreign.pk}/change/" not in listing
    assert client.get(f"/admin/loyalty/ledgerentry/{foreign.pk}/change/").status_code in (302, 404)
    assert client.get("/admin/loyalty/ledgerentry/add/").status_code == 403
    for model in ("loyaltyaccount", "tierruleversion", "tierchange"):
        assert client.get(f"/admin/loyalty/{model}/").status_code == 200


def test_program_settings_are_saved_through_the_service(client, manager, shop, other_shop):
    client.force_login(manager)
    form = {
        "is_enabled": "on", "points_per_unit": "1", "growth_per_unit": "1", "return_window_days": "999",
        "points_expiry_months": "12", "expiry_reminder_days": "30", "growth_period": "lifetime",
        "yearly_decay_percent": "0", "point_value": "0.01",
    }  # fmt: skip
    assert client.post("/admin/loyalty/loyaltyprogram/add/", form).status_code == 200  # refused: 999 days
    assert client.post("/admin/loyalty/loyaltyprogram/add/", {**form, "return_window_days": "5"}).status_code == 302
    with shop_scope(shop.pk):
        assert LoyaltyProgram.objects.get().return_window_days == 5
        assert AuditEvent.objects.filter(action="loyalty.program_update").exists()
    with shop_scope(other_shop.pk):
        assert not LoyaltyProgram.objects.exists()
