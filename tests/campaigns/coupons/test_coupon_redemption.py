"""Validation reasons, redemption and release through the storefront API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Campaign, Coupon, Redemption
from campaigns.services.coupons import campaign_create
from crm.tenancy.context import shop_scope
from orders.services import order_status_change, order_upsert, refund_create
from tests.campaigns.coupons.helpers import coupon_body, launched_campaign
from tests.customers.factories import CustomerFactory
from tests.orders.payloads import order_payload

WANG = {"phone": "13800138000"}
LI = {"phone": "13900139000"}


@pytest.fixture
def wang(shop):
    with shop_scope(shop.pk):
        return CustomerFactory(shop=shop, name="王芳", phone="+8613800138000")


@pytest.fixture
def li(shop):
    with shop_scope(shop.pk):
        return CustomerFactory(shop=shop, name="李雷", phone="+8613900139000")


def _code_of(shop, campaign, customer) -> str:
    with shop_scope(shop.pk):
        return Coupon.objects.get(campaign=campaign, customer=customer).code


def _validate(api, body) -> dict:
    response = api.post("/api/v1/coupons/validate", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_unique_code_applies_to_its_customer_with_the_discount(shop, api, wang):
    campaign = launched_campaign(shop, audience={"customer_ids": [wang.pk]}, holdout_percent=0)
    code = _code_of(shop, campaign, wang)

    assert _validate(api, coupon_body(code, WANG)) == {"valid": True, "reason": None, "discount": "20.00"}
    assert _validate(api, coupon_body(code.lower(), WANG))["valid"] is True


@pytest.mark.parametrize(
    ("changes", "body_changes", "reason"),
    [
        ({}, {"code": "NOSUCHCODE"}, "not_found"),
        ({"valid_until": "2020-01-01T00:00:00+08:00"}, {}, "expired"),
        ({"valid_from": "2099-01-01T00:00:00+08:00"}, {}, "expired"),
        ({"min_spend": "200.00"}, {}, "min_spend_not_met"),
        ({"currency": "USD"}, {}, "currency_mismatch"),
    ],
)
def test_each_reason_a_code_does_not_apply(shop, api, wang, changes, body_changes, reason):
    campaign = launched_campaign(shop, audience={"customer_ids": [wang.pk]}, holdout_percent=0, **changes)
    body = {**coupon_body(_code_of(shop, campaign, wang), WANG), **body_changes}

    assert _validate(api, body) == {"valid": False, "reason": reason, "discount": None}


def test_a_code_of_another_customer_is_not_found_not_ineligible(shop, api, wang, li):
    campaign = launched_campaign(shop, audience={"customer_ids": [wang.pk]}, holdout_percent=0, min_spend="500.00")

    assert _validate(api, coupon_body(_code_of(shop, campaign, wang), LI))["reason"] == "not_found"


def test_a_code_of_another_shop_is_not_found(shop, other_shop, api, other_api):
    with shop_scope(other_shop.pk):
        other = CustomerFactory(shop=other_shop, phone="+8613800138000")
    campaign = launched_campaign(other_shop, audience={"customer_ids": [other.pk]}, holdout_percent=0)
    code = _code_of(other_shop, campaign, other)
    launched_campaign(other_shop, name="共享", code="SPRING10")

    assert _validate(other_api, coupon_body(code, WANG))["valid"] is True
    assert _validate(api, coupon_body(code, WANG))["reason"] == "not_found"
    assert _validate(api, coupon_body("SPRING10", WANG))["reason"] == "not_found"
    redeem = api.post("/api/v1/coupons/redeem", coupon_body(code, WANG, order_external_id="A1"), format="json")
    assert redeem.status_code == 422 and redeem.json()["code"] == "not_found"
    with shop_scope(other_shop.pk):
        assert Redemption.objects.count() == 0


def test_a_draft_campaign_code_is_not_found(shop, api):
    with shop_scope(shop.pk):
        campaign_create(shop=shop, data={"name": "草稿", "discount": {"type": "free_shipping"}, "code": "DRAFT1"})

    assert _validate(api, coupon_body("DRAFT1", WANG))["reason"] == "not_found"


def test_limit_reasons_come_in_the_contract_order(shop, api, wang, li):
    """usage_limit_reached before the customer's own reasons; per-customer before eligibility."""
    launched_campaign(shop, code="ONCE", usage_limit=1, per_customer_limit=1, min_spend="50.00")
    body = coupon_body("ONCE", WANG, order_external_id="A1")
    assert api.post("/api/v1/coupons/redeem", body, format="json").status_code == 201

    # Li's order is below the minimum spend, but the code is used up first.
    assert _validate(api, coupon_body("ONCE", LI, total="10.00"))["reason"] == "usage_limit_reached"
    refused = api.post("/api/v1/coupons/redeem", coupon_body("ONCE", LI, order_external_id="B1"), format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "usage_limit_reached"


def test_per_customer_limit_and_eligibility_of_a_shared_code(shop, api, wang, li):
    launched_campaign(shop, code="VIPONLY", audience={"customer_ids": [wang.pk]}, holdout_percent=0)
    assert (
        api.post(
            "/api/v1/coupons/redeem", coupon_body("VIPONLY", WANG, order_external_id="A1"), format="json"
        ).status_code
        == 201
    )

    assert _validate(api, coupon_body("VIPONLY", WANG))["reason"] == "per_customer_limit_reached"
    assert _validate(api, coupon_body("VIPONLY", LI))["reason"] == "not_eligible"


def test_percent_discount_is_capped_and_never_more_than_the_order(shop, api):
    launched_campaign(shop, code="TENOFF", discount={"type": "percent", "percent": 10, "cap": "50.00"})
    launched_campaign(shop, name="大额", code="BIG500", discount={"type": "fixed", "amount": "500.00"})
    launched_campaign(shop, name="包邮", code="SHIPFREE", discount={"type": "free_shipping"})

    assert _validate(api, coupon_body("TENOFF", WANG, total="123.45"))["discount"] == "12.35"
    assert _validate(api, coupon_body("TENOFF", WANG, total="9000.00"))["discount"] == "50.00"
    assert _validate(api, coupon_body("BIG500", WANG, total="99.00"))["discount"] == "99.00"
    assert _validate(api, coupon_body("SHIPFREE", WANG, total="99.00", shipping="8.00"))["discount"] == "8.00"


def test_redeeming_again_for_the_same_order_gives_the_same_answer(shop, api, wang):
    campaign = launched_campaign(shop, audience={"customer_ids": [wang.pk]}, holdout_percent=0)
    body = coupon_body(_code_of(shop, campaign, wang), WANG, order_external_id="A1")

    first = api.post("/api/v1/coupons/redeem", body, format="json")
    second = api.post("/api/v1/coupons/redeem", body, format="json")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert first.json()["discount"] == "20.00"
    with shop_scope(shop.pk):
        assert Redemption.objects.count() == 1
        assert Coupon.objects.get(customer=wang).used_count == 1


def test_bad_input_is_a_400_naming_the_field(shop, api):
    response = api.post("/api/v1/coupons/redeem", {"code": "X", "customer": {}, "order_total": 9.5}, format="json")

    assert response.status_code == 400
    assert {"order_total", "currency", "order_external_id"} <= set(response.json()["fields"])


def test_release_gives_the_use_back_once(shop, api, wang):
    launched_campaign(shop, code="ONCE", usage_limit=1)
    assert (
        api.post("/api/v1/coupons/redeem", coupon_body("ONCE", WANG, order_external_id="A1"), format="json").status_code
        == 201
    )

    release = {"code": "ONCE", "order_external_id": "A1"}
    assert api.post("/api/v1/coupons/release", release, format="json").status_code == 200
    assert api.post("/api/v1/coupons/release", release, format="json").status_code == 404
    with shop_scope(shop.pk):
        assert Campaign.objects.get().used_count == 0
    assert _validate(api, coupon_body("ONCE", WANG))["valid"] is True


def _order(shop, external_id: str, status: str):
    with shop_scope(shop.pk):
        return order_upsert(shop=shop, data=order_payload(external_id, status=status))[0]


@pytest.mark.parametrize(
    ("status", "change", "released"),
    [
        ("pending", "cancel", True),
        ("paid", "full_refund", True),
        ("paid", "partial_refund", False),
        ("paid", "ship", False),
    ],
)
def test_order_changes_release_uses_on_cancel_before_payment_and_full_refund(shop, api, status, change, released):
    launched_campaign(shop, code="ONCE", usage_limit=5)
    redeemed = api.post("/api/v1/coupons/redeem", coupon_body("ONCE", WANG, order_external_id="A1"), format="json")
    assert redeemed.status_code == 201
    order = _order(shop, "A1", status)

    with shop_scope(shop.pk):
        if change == "cancel":
            order_status_change(shop=shop, order_id=order.pk, status="cancelled")
        elif change == "ship":
            order_status_change(shop=shop, order_id=order.pk, status="shipped")
        else:
            amount = "98.00" if change == "full_refund" else "10.00"
            refund_create(shop=shop, order_id=order.pk, data={"amount": amount})
        redemption = Redemption.objects.get()
        assert (redemption.status == "released") is released
        assert Campaign.objects.get().used_count == (0 if released else 1)


def test_an_expired_unique_code_from_valid_days(shop, api, wang):
    campaign = launched_campaign(shop, audience={"customer_ids": [wang.pk]}, holdout_percent=0, valid_days=7)
    with shop_scope(shop.pk):
        Coupon.objects.filter(campaign=campaign).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert _validate(api, coupon_body(_code_of(shop, campaign, wang), WANG))["reason"] == "expired"


def test_another_shop_cannot_release_a_use_here(shop, other_api, api, wang):
    launched_campaign(shop, code="ONCE", usage_limit=1)
    assert (
        api.post("/api/v1/coupons/redeem", coupon_body("ONCE", WANG, order_external_id="A1"), format="json").status_code
        == 201
    )

    response = other_api.post("/api/v1/coupons/release", {"code": "ONCE", "order_external_id": "A1"}, format="json")

    assert response.status_code == 404
    with shop_scope(shop.pk):
        assert Redemption.objects.get().status == "active"
        assert Campaign.objects.get().used_count == 1


def test_listing_coupons_and_claims_takes_a_fixed_number_of_queries(
    shop, admin_api, api, django_assert_max_num_queries
):
    with shop_scope(shop.pk):
        customers = [CustomerFactory(shop=shop) for _ in range(30)]
    campaign = launched_campaign(shop, audience={"customer_ids": [c.pk for c in customers]}, holdout_percent=0)

    with django_assert_max_num_queries(12):
        page = admin_api.get(f"/api/v1/campaigns/{campaign.pk}/coupons/").json()["results"]
    with django_assert_max_num_queries(12):
        api.get("/api/v1/price-protection/claims/")
    assert len(page) == 30
