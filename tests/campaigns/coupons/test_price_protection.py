"""Price protection: claims from price drops, paid once, deeper drops pay the difference."""

from decimal import Decimal

import pytest

from campaigns.models import Coupon, PriceClaim, PriceReport
from campaigns.services.price_protection import price_protection_setting_update
from crm.tenancy.context import shop_scope
from orders.models import Refund
from orders.services import order_upsert, refund_create
from tests.orders.payloads import order_payload

PAID_AT = "2026-11-01T10:00:00+08:00"
LINE = {"sku": "CUP-1", "name": "保温杯", "quantity": 2, "unit_price": "49.00"}


def _paid_order(shop, external_id="A1001", **changes):
    payload = order_payload(external_id, status="paid", placed_at=PAID_AT, paid_at=PAID_AT, lines=[LINE], **changes)
    with shop_scope(shop.pk):
        return order_upsert(shop=shop, data=payload)[0]


def _protect(shop, **fields):
    with shop_scope(shop.pk):
        price_protection_setting_update(shop=shop, updated_by=None, is_enabled=True, **{"window_days": 15, **fields})


def _report(api, price: str, when: str = "2026-11-05T00:00:00+08:00", sku: str = "CUP-1"):
    body = {"prices": [{"sku": sku, "price": price, "currency": "CNY", "effective_at": when}]}
    response = api.post("/api/v1/prices/", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_drop_within_the_window_refunds_the_difference_once(shop, api):
    _protect(shop)
    order = _paid_order(shop)

    first = _report(api, "39.00")
    again = _report(api, "39.00")

    assert [claim["amount"] for claim in first["claims"]] == ["20.00"]  # (49 - 39) × 2
    assert first["claims"][0]["payout"] == "refund" and first["claims"][0]["status"] == "paid"
    assert again == {"reports_created": 0, "reports_unchanged": 1, "claims": []}
    with shop_scope(shop.pk):
        assert PriceClaim.objects.count() == 1
        assert Refund.objects.get(order=order).amount == Decimal("20.00")


def test_a_deeper_drop_pays_only_the_further_difference(shop, api):
    _protect(shop)
    _paid_order(shop)

    _report(api, "39.00", "2026-11-05T00:00:00+08:00")
    deeper = _report(api, "35.00", "2026-11-08T00:00:00+08:00")
    higher = _report(api, "45.00", "2026-11-09T00:00:00+08:00")

    assert [claim["amount"] for claim in deeper["claims"]] == ["8.00"]  # (39 - 35) × 2
    assert higher["claims"] == []
    with shop_scope(shop.pk):
        assert sum(claim.amount for claim in PriceClaim.objects.all()) == Decimal("28.00")


def test_no_claim_outside_the_window_for_a_refunded_line_or_when_disabled(shop, api):
    _paid_order(shop, "OFF")
    assert _report(api, "39.00")["claims"] == []  # price protection is off

    _protect(shop, window_days=7)
    assert _report(api, "30.00", "2026-11-20T00:00:00+08:00")["claims"] == []  # 19 days after payment
    with shop_scope(shop.pk):
        refunded = _paid_order(shop, "RETURNED")
        refund_create(
            shop=shop, order_id=refunded.pk, data={"amount": "49.00", "lines": [{"sku": "CUP-1", "quantity": 1}]}
        )
        PriceClaim.objects.all().delete()
    claims = _report(api, "29.00", "2026-11-06T00:00:00+08:00")["claims"]
    assert [claim["order"] for claim in claims] == ["OFF"]


def test_coupon_payout_gives_a_coupon_worth_the_claim(shop, api):
    _protect(shop, payout="coupon")
    _paid_order(shop)

    claim = _report(api, "40.00")["claims"][0]

    with shop_scope(shop.pk):
        coupon = Coupon.objects.get(pk=claim["coupon"])
        assert coupon.amount == Decimal("18.00") and len(coupon.code) == 16
    validate = {"code": coupon.code, "customer": {"phone": "13800138000"}, "order_total": "100.00", "currency": "CNY"}
    assert api.post("/api/v1/coupons/validate", validate, format="json").json()["discount"] == "18.00"


def test_claims_on_request_and_the_claim_list_filters(shop, api):
    _protect(shop, mode="on_request")
    _paid_order(shop)
    assert _report(api, "39.00")["claims"] == []

    asked = api.post("/api/v1/price-protection/claims/", {"order_external_id": "A1001", "sku": "CUP-1"}, format="json")
    again = api.post("/api/v1/price-protection/claims/", {"order_external_id": "A1001", "sku": "CUP-1"}, format="json")

    assert asked.status_code == 201 and asked.json()["amount"] == "20.00"
    assert again.status_code == 404
    listed = api.get("/api/v1/price-protection/claims/", {"order": "A1001", "status": "paid"}).json()["results"]
    assert [claim["id"] for claim in listed] == [asked.json()["id"]]
    assert api.get("/api/v1/price-protection/claims/", {"status": "failed"}).json()["results"] == []
    assert api.get("/api/v1/price-protection/claims/", {"status": "bogus"}).status_code == 400


def test_bad_price_reports_are_400_naming_the_item_and_write_nothing(shop, api):
    body = {
        "prices": [{"sku": "A", "price": "1.00", "currency": "CNY", "effective_at": PAID_AT}, {"sku": "", "price": 1.5}]
    }

    response = api.post("/api/v1/prices/", body, format="json")

    assert response.status_code == 400
    assert {"prices.1.sku", "prices.1.price", "prices.1.currency", "prices.1.effective_at"} <= set(
        response.json()["fields"]
    )
    with shop_scope(shop.pk):
        assert PriceReport.objects.count() == 0


@pytest.mark.parametrize("payout", ["refund", "coupon"])
def test_another_shops_report_creates_no_claim_here(shop, other_shop, api, other_api, payout):
    _protect(shop, payout=payout)
    _paid_order(shop)

    assert _report(other_api, "10.00")["claims"] == []
    with shop_scope(shop.pk):
        assert PriceClaim.objects.count() == 0 and PriceReport.objects.count() == 0
    assert other_api.get("/api/v1/price-protection/claims/").json()["results"] == []
    asked = other_api.post(
        "/api/v1/price-protection/claims/", {"order_external_id": "A1001", "sku": "CUP-1"}, format="json"
    )
    assert asked.status_code == 404
