"""The storefront API: upsert, bulk, list, detail, status changes, refunds, idempotency."""

import json

import pytest
from django.urls import reverse

from crm.tenancy.context import shop_scope
from orders.models import Order, OrderStatusChange
from tests.orders.payloads import ISSUE_ORDER, order_for_customer, order_payload

LIST = reverse("api:orders-list")
# Auth, scope and savepoints cost 11 fixed queries; the list itself is one (customer joined).
BULK = reverse("api:orders-bulk")


def detail_url(key) -> str:
    return reverse("api:orders-detail", kwargs={"key": key})


def refunds_url(key) -> str:
    return reverse("api:orders-refunds", kwargs={"key": key})


def test_issue_json_is_created_then_updated(api, shop):
    first = api.post(LIST, ISSUE_ORDER, format="json")
    replay = api.post(LIST, ISSUE_ORDER, format="json")

    assert first.status_code == 201, first.json()
    assert replay.status_code == 200
    body = first.json()
    assert body["external_id"] == "A1001"
    assert body["total"] == "98.00"
    assert body["lines"][0] == {"sku": "SKU-1", "name": "保温杯", "category": "家居", "quantity": 2,
                                "unit_price": "49.00", "line_total": "98.00"}  # fmt: skip
    assert [change["to_status"] for change in body["status_history"]] == ["paid"]
    with shop_scope(shop.pk):
        assert Order.objects.count() == 1
        assert OrderStatusChange.objects.count() == 1


def test_status_change_through_upsert_appends_history(api, shop):
    api.post(LIST, ISSUE_ORDER, format="json")
    response = api.post(LIST, order_payload(status="shipped"), format="json")

    assert response.status_code == 200
    assert [(c["from_status"], c["to_status"]) for c in response.json()["status_history"]] == [
        ("", "paid"),
        ("paid", "shipped"),
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"total": "97.00"}, "total"),
        ({"subtotal": "90.00", "total": "90.00"}, "subtotal"),
        ({"currency": "XYZ"}, "currency"),
        ({"placed_at": "2999-01-01T00:00:00+08:00"}, "placed_at"),
        ({"lines": [{"sku": "S", "quantity": -1, "unit_price": "1.00"}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "S", "quantity": 0, "unit_price": "1.00"}]}, "lines.0.quantity"),
        ({"customer": {"phone": "12345"}}, "customer.phone"),
        ({"customer": {"email": "not-an-email"}}, "customer.email"),
        ({"customer": {}}, "customer.non_field_errors"),
        ({"total": "abc"}, "total"),
        ({"channel": "fax"}, "channel"),
        # PostgreSQL text cannot hold NUL: these were 500s.
        ({"external_id": "A\x001"}, "external_id"),
        ({"coupon_code": "OFF\x00"}, "coupon_code"),
        ({"customer": {"external_id": "U\x00"}}, "customer.external_id"),
        ({"lines": [{"sku": "S\x00", "quantity": 1, "unit_price": "98.00"}]}, "lines.0.sku"),
        ({"lines": [{"sku": "S", "name": "\x00", "quantity": 1, "unit_price": "98.00"}]}, "lines.0.name"),
    ],
)
def test_invalid_order_is_400_naming_the_field(api, shop, changes, field):
    response = api.post(LIST, order_payload(**changes), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]
    with shop_scope(shop.pk):
        assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"external_id": "A\ud800"}, "external_id"),
        ({"customer": {"external_id": "U9", "name": "\udfff"}}, "customer.name"),
    ],
)
def test_a_lone_surrogate_is_400_naming_the_field(api, shop, changes, field):
    # JSON's "\ud800" escape decodes to a str PostgreSQL cannot store: it was a 500.
    body = json.dumps(order_payload(**changes))  # ASCII-escaped, as a storefront would send it

    response = api.post(LIST, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["fields"][field] == ["Not valid Unicode text (it holds a lone surrogate)."]
    with shop_scope(shop.pk):
        assert not Order.objects.exists()
    bulk = api.post(BULK, f'{{"orders": [{body}]}}', content_type="application/json").json()["results"][0]
    assert (bulk["result"], bulk["field"]) == ("error", field)


def test_malformed_body_is_400_not_500(api):
    assert api.post(LIST, "[not json", content_type="application/json").status_code == 400
    assert api.post(LIST, [1, 2], format="json").status_code == 400
    assert api.post(BULK, {"orders": "nope"}, format="json").status_code == 400


def test_bulk_mixed_valid_and_invalid(api, shop):
    items = [
        order_for_customer("B1", "U1", "13800000001"),
        order_for_customer("B2", "U2", "13800000002", total="5.00"),
        order_for_customer("B3", "U3", "not a phone"),
        "not an order",
        order_for_customer("B1", "U1", "13800000001"),
        order_for_customer("B5", "U5", "13800000005", coupon_code="\x00"),
    ]
    response = api.post(BULK, {"orders": items}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["errors"]) == (1, 5)
    results = body["results"]
    assert [r["result"] for r in results] == ["created", "error", "error", "error", "error", "error"]
    assert (results[1]["field"], results[2]["field"]) == ("total", "customer.phone")
    assert results[4]["field"] == "external_id"
    assert results[5]["field"] == "coupon_code"
    with shop_scope(shop.pk):
        assert list(Order.objects.values_list("external_id", flat=True)) == ["B1"]


def test_bulk_replay_is_unchanged_and_writes_nothing(api, shop):
    items = [order_for_customer(f"R{i}", f"U{i}", f"1380000000{i}") for i in range(5)]
    api.post(BULK, items, format="json")
    with shop_scope(shop.pk):
        stamps = dict(Order.objects.values_list("external_id", "updated_at"))

    response = api.post(BULK, items, format="json")

    assert response.json()["unchanged"] == 5
    with shop_scope(shop.pk):
        assert dict(Order.objects.values_list("external_id", "updated_at")) == stamps
        assert OrderStatusChange.objects.count() == 5


def test_bulk_over_the_limit_is_400(api):
    response = api.post(BULK, {"orders": [{}] * 1001}, format="json")

    assert response.status_code == 400
    assert "orders" in response.json()["fields"]


def test_idempotency_key_replays_the_first_response(api, shop):
    headers = {"HTTP_IDEMPOTENCY_KEY": "order-A1001-v1"}
    first = api.post(LIST, ISSUE_ORDER, format="json", **headers)
    second = api.post(LIST, ISSUE_ORDER, format="json", **headers)
    different = api.post(LIST, order_payload("A2"), format="json", **headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert different.status_code == 422


def test_list_filters_and_cursor_pages(api, django_assert_max_num_queries):
    for index, status in enumerate(["paid", "shipped", "paid"]):
        api.post(LIST, order_payload(f"L{index}", status=status, placed_at=f"2026-10-0{index + 1}T10:00:00+08:00"),
                 format="json")  # fmt: skip

    with django_assert_max_num_queries(12):
        response = api.get(LIST, {"status": "paid", "page_size": 1})
    page = response.json()
    assert [order["external_id"] for order in page["results"]] == ["L2"]
    assert api.get(page["next"]).json()["results"][0]["external_id"] == "L0"
    assert [o["external_id"] for o in api.get(LIST, {"placed_before": "2026-10-01"}).json()["results"]] == ["L0"]
    assert api.get(LIST, {"status": "lost"}).status_code == 400


def test_list_query_count_does_not_grow_with_orders(api, django_assert_max_num_queries):
    api.post(BULK, [order_for_customer(f"Q{i}", f"U{i}", f"1390000000{i}") for i in range(8)], format="json")

    with django_assert_max_num_queries(12):
        response = api.get(LIST)
    assert len(response.json()["results"]) == 8


def test_detail_by_external_id_or_id(api):
    order_id = api.post(LIST, ISSUE_ORDER, format="json").json()["id"]

    assert api.get(detail_url("A1001")).json()["id"] == order_id
    assert api.get(detail_url(order_id)).json()["external_id"] == "A1001"
    assert api.get(detail_url("nope")).status_code == 404


def test_status_patch_follows_the_machine(api):
    api.post(LIST, ISSUE_ORDER, format="json")

    shipped = api.patch(detail_url("A1001"), {"status": "shipped"}, format="json")
    backwards = api.patch(detail_url("A1001"), {"status": "pending"}, format="json")
    unknown = api.patch(detail_url("A1001"), {"status": "lost"}, format="json")

    assert shipped.status_code == 200
    assert shipped.json()["shipped_at"] is not None
    assert backwards.status_code == 409
    assert backwards.json()["code"] == "conflict"
    assert unknown.status_code == 400
    history = [c["to_status"] for c in api.get(detail_url("A1001")).json()["status_history"]]
    assert history == ["paid", "shipped"]


def test_refunds_partial_then_full_then_refused(api):
    api.post(LIST, ISSUE_ORDER, format="json")

    partial = api.post(refunds_url("A1001"), {"amount": "49.00", "reason": "破损", "lines": [{"sku": "SKU-1"}]},
                       format="json")  # fmt: skip
    too_much = api.post(refunds_url("A1001"), {"amount": "50.00"}, format="json")
    rest = api.post(refunds_url("A1001"), {"amount": "49.00"}, format="json")
    after = api.post(refunds_url("A1001"), {"amount": "1.00"}, format="json")

    assert partial.status_code == 201, partial.json()
    assert too_much.status_code == 422
    assert "amount" in too_much.json()["fields"]
    assert rest.status_code == 201
    assert after.status_code == 409
    order = api.get(detail_url("A1001")).json()
    assert order["status"] == "refunded"
    assert [c["to_status"] for c in order["status_history"]] == ["paid", "partially_refunded", "refunded"]
    assert [r["amount"] for r in order["refunds"]] == ["49.00", "49.00"]


@pytest.mark.parametrize("sku", ["NOPE", {"sku": "SKU-1"}, ["SKU-1"], 7, "SKU-1\x00"])
def test_refund_of_unknown_or_malformed_sku_is_422(api, sku):
    api.post(LIST, ISSUE_ORDER, format="json")

    response = api.post(refunds_url("A1001"), {"amount": "1.00", "lines": [{"sku": sku}]}, format="json")

    assert response.status_code == 422
    assert "lines.0.sku" in response.json()["fields"]
    assert api.get(f"{LIST}A1001/").json()["refunds"] == []


def test_refund_reason_with_a_null_character_is_422(api):
    api.post(LIST, ISSUE_ORDER, format="json")

    response = api.post(refunds_url("A1001"), {"amount": "1.00", "reason": "broken\x00"}, format="json")

    assert response.status_code == 422
    assert response.json()["fields"] == {"reason": ["Null characters are not allowed."]}


def test_refund_of_pending_order_is_409(api):
    api.post(LIST, order_payload(status="pending"), format="json")

    assert api.post(refunds_url("A1001"), {"amount": "1.00"}, format="json").status_code == 409
