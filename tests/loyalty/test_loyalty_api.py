"""The loyalty API contract (issue 21) and its cross-shop behaviour: shop A's key on shop
B's ids is the same 404 as a missing id, and B's rows are unchanged."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.tenancy.context import shop_scope
from loyalty.models import LedgerEntry, LoyaltyProgram, TierRuleVersion
from loyalty.services import loyalty_settle
from tests.loyalty.conftest import customer_of, paid_order, program_on, refund

CONTRACT_FIELDS = {
    "tier", "growth_value", "next_tier", "growth_to_next_tier", "points_available", "points_pending", "points_debt",
    "expiring",
}  # fmt: skip


def _settled(shop):
    with shop_scope(shop.pk):
        loyalty_settle(shop=shop, at=timezone.now() + timedelta(days=8))


def test_a_customer_reads_tier_growth_points_and_entries(shop, program, api):
    order = paid_order(shop, "E1", "600.00")
    customer = customer_of(shop, order)
    refund(shop, order, "60.00")

    body = api.get(f"/api/v1/loyalty/customers/{customer.pk}/").json()
    assert set(body) >= CONTRACT_FIELDS
    assert (body["tier"], body["growth_value"], body["next_tier"], body["growth_to_next_tier"]) == (
        "铜牌", 540, "银牌", 1460,
    )  # fmt: skip
    assert (body["points_pending"], body["points_available"], body["points_debt"]) == (540, 0, 0)
    assert body["expiring"][0]["points"] == 540

    by_external_id = api.get("/api/v1/loyalty/customers/", {"external_id": "U1"}).json()
    assert by_external_id == body

    entries = api.get(f"/api/v1/loyalty/customers/{customer.pk}/entries/").json()["results"]
    assert [(entry["kind"], entry["points"], entry["order_external_id"]) for entry in entries] == [
        ("clawback", -60, "E1"), ("earn", 600, "E1"),
    ]  # fmt: skip
    assert {"rule", "created_at", "available_at", "expires_at"} <= set(entries[0])


def test_redeem_answers_201_then_replays_and_409_when_points_do_not_cover_it(shop, program, api):
    paid_order(shop, "E1", "100.00")
    _settled(shop)
    body = {"customer": {"external_id": "U1", "phone": "13800000001"}, "points": 80, "order_external_id": "R1"}
    assert api.post("/api/v1/loyalty/redeem", body, format="json").status_code == 201
    assert api.post("/api/v1/loyalty/redeem", body, format="json").status_code == 200
    response = api.post("/api/v1/loyalty/redeem", {**body, "order_external_id": "R2"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_points"
    bad = api.post("/api/v1/loyalty/redeem", {**body, "points": 0}, format="json")
    assert bad.status_code == 400 and "points" in bad.json()["fields"]


def test_program_read_and_change_need_an_admin_key(shop, api, admin_api):
    assert api.get("/api/v1/loyalty/program/").status_code == 403
    body = admin_api.get("/api/v1/loyalty/program/").json()
    assert [tier["name"] for tier in body["tiers"]] == ["注册会员", "铜牌", "银牌", "金牌", "钻石"]
    change = {
        "is_enabled": True, "points_per_unit": "2.00", "return_window_days": 14, "points_expiry_months": 24,
        "tiers": [{"name": "会员", "threshold": 0}, {"name": "VIP", "threshold": 1000, "priority_service": True}],
    }  # fmt: skip
    body = admin_api.put("/api/v1/loyalty/program/", change, format="json").json()
    assert (body["points_per_unit"], body["return_window_days"], body["points_expiry_months"]) == ("2.00", 14, 24)
    assert [(tier["name"], tier["threshold"]) for tier in body["tiers"]] == [("会员", 0), ("VIP", 1000)]

    later = (timezone.now() + timedelta(days=30)).date().isoformat()
    body = admin_api.put(
        "/api/v1/loyalty/program/", {"tiers": [{"name": "A", "threshold": 0}], "tiers_effective_from": later},
        format="json",
    ).json()  # fmt: skip
    assert [tier["name"] for tier in body["tiers"]] == ["会员", "VIP"]
    assert body["scheduled"][0]["effective_from"] == later


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"return_window_days": 400}, "return_window_days"),
        ({"points_per_unit": "-1"}, "points_per_unit"),
        ({"tiers": [{"name": "A", "threshold": 0}, {"name": "A", "threshold": 5}]}, "tiers"),
        ({"tiers": [{"name": "A", "threshold": -1}]}, "tiers.0.threshold"),
    ],
)
def test_bad_program_input_names_the_field_and_saves_nothing(shop, admin_api, change, field):
    response = admin_api.put("/api/v1/loyalty/program/", {"is_enabled": True, **change}, format="json")
    assert response.status_code in (400, 422)
    assert field in response.json()["fields"]
    with shop_scope(shop.pk):
        assert not LoyaltyProgram.objects.exists() and not TierRuleVersion.objects.exists()


def test_preview_counts_customers_moving_up_and_down(shop, program, admin_api):
    paid_order(shop, "E1", "600.00", customer="U1", phone="13800000001")  # 铜牌
    paid_order(shop, "E2", "3000.00", customer="U2", phone="13800000002")  # 银牌
    paid_order(shop, "E3", "100.00", customer="U3", phone="13800000003")  # 注册会员
    # By position on the ladder: U3 rises to the second tier, U1 stays there, U2 drops
    # from the third to the second.
    tiers = [{"name": "会员", "threshold": 0}, {"name": "铜", "threshold": 90}, {"name": "金", "threshold": 5000}]
    body = admin_api.post("/api/v1/loyalty/program/preview/", tiers, format="json").json()
    assert (body["up"], body["down"], body["same"]) == (1, 1, 1)
    assert body["per_tier"] == {"会员": 0, "铜": 3, "金": 0}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/loyalty/customers/{id}/", None),
        ("get", "/api/v1/loyalty/customers/{id}/entries/", None),
        ("post", "/api/v1/loyalty/customers/{id}/adjustments/", {"points": 5, "reason": "x"}),
    ],
)
def test_another_shops_customer_is_a_404_and_stays_unchanged(shop, other_shop, method, path, body):
    program_on(other_shop)
    theirs = customer_of(other_shop, paid_order(other_shop, "B1", "100.00"))
    from tests.conftest import api_client_for

    client = api_client_for(shop, "admin")
    missing = getattr(client, method)(path.format(id=999999), body, format="json")
    response = getattr(client, method)(path.format(id=theirs.pk), body, format="json")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    with shop_scope(other_shop.pk):
        assert LedgerEntry.objects.count() == 1


def test_another_shops_customer_cannot_be_found_or_redeemed_by_external_id(shop, other_shop, program, api):
    program_on(other_shop)
    paid_order(other_shop, "B1", "100.00", customer="THEIRS", phone="13900000009")
    _settled(other_shop)
    assert api.get("/api/v1/loyalty/customers/", {"external_id": "THEIRS"}).status_code == 404
    body = {"customer": {"external_id": "THEIRS"}, "points": 10, "order_external_id": "R1"}
    assert api.post("/api/v1/loyalty/redeem", body, format="json").status_code == 409
    with shop_scope(other_shop.pk):
        assert LedgerEntry.objects.count() == 1
