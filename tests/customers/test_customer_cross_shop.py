"""Every customer endpoint, called with another shop's API key on this shop's ids, answers
404 with the same body as a missing id, and changes nothing."""

import pytest
from rest_framework.test import APIClient

from crm.models import ApiKeyScope, AuditEvent
from crm.tenancy.context import shop_scope
from customers.models import Customer, CustomerNote, CustomerTag, Tag
from customers.services import customers_tag
from tests.conftest import api_client_for, make_user
from tests.customers.factories import CustomerFactory

MISSING = 999_999_999

# (method, path with {customer} / {tag} / {other}, body)
ENDPOINTS = [
    ("get", "customers/{customer}/", None),
    ("patch", "customers/{customer}/", {"name": "hijacked"}),
    ("get", "customers/{customer}/overview/", None),
    ("get", "customers/{customer}/notes/", None),
    ("post", "customers/{customer}/notes/", {"body": "hello"}),
    ("get", "customers/{customer}/consent/", None),
    ("post", "customers/{customer}/consent/", {"channel": "sms", "purpose": "marketing", "is_granted": True,
                                                "source": "x"}),
    ("post", "customers/{customer}/tags/", {"tag_id": "{tag}"}),
    ("delete", "customers/{customer}/tags/{tag}/", None),
    ("get", "customers/{customer}/duplicates/", None),
    ("post", "customers/{customer}/merge/", {"duplicate_id": "{other}"}),
    ("get", "customers/{customer}/export/", None),
    ("post", "customers/{customer}/erase/", None),
    ("patch", "tags/{tag}/", {"name": "hijacked"}),
    ("delete", "tags/{tag}/", None),
    ("post", "customers/bulk-tag/", {"tag_id": "{tag}", "action": "add", "customer_ids": ["{other}"]}),
]  # fmt: skip


def fill(value, ids: dict):
    if isinstance(value, str):
        return int(value.format(**ids)) if value.startswith("{") else value.format(**ids)
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    return value


def snapshot(shop) -> tuple:
    with shop_scope(shop.pk):
        return (
            list(Customer.objects.order_by("pk").values()),
            list(Tag.objects.order_by("pk").values()),
            CustomerTag.objects.count(),
            CustomerNote.objects.count(),
            AuditEvent.objects.count(),
        )


@pytest.fixture(params=["api_key", "staff_session"])
def intruder(request, other_shop):
    """Another shop's storefront key, or its owner's session on their own shop's URLs."""
    if request.param == "api_key":
        return api_client_for(other_shop, ApiKeyScope.ADMIN), "/api/v1/"
    client = APIClient()
    client.force_login(make_user("owner@bike.example"))
    return client, f"/api/v1/s/{other_shop.slug}/"


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_other_shop_gets_404_and_changes_nothing(method, path, body, shop, intruder, customer, tag):
    client, root = intruder
    with shop_scope(shop.pk):
        other = CustomerFactory(shop=shop, name="second")
        customers_tag(shop=shop, tag=tag, customer_ids=[customer.pk])
    ids = {"customer": customer.pk, "tag": tag.pk, "other": other.pk}
    missing = {"customer": MISSING, "tag": MISSING, "other": MISSING}
    before = snapshot(shop)

    response = getattr(client, method)(f"{root}{path.format(**ids)}", fill(body, ids), format="json")
    missing_response = getattr(client, method)(f"{root}{path.format(**missing)}", fill(body, missing), format="json")

    if path == "customers/bulk-tag/":
        assert response.status_code == missing_response.status_code == 404  # the tag is not theirs
    else:
        assert response.status_code == 404
    assert response.json() == missing_response.json()
    assert snapshot(shop) == before


def test_bulk_tag_with_own_tag_ignores_other_shops_customers(other_shop, other_api, other_tag, customer, shop):
    response = other_api.post(
        "/api/v1/customers/bulk-tag/",
        {"tag_id": other_tag.pk, "action": "add", "customer_ids": [customer.pk]},
        format="json",
    )
    assert response.json() == {"changed": 0}
    with shop_scope(shop.pk):
        assert not CustomerTag.objects.exists()


def test_list_search_and_export_show_only_own_customers(api, other_api, customer, other_customer):
    assert [row["id"] for row in other_api.get("/api/v1/customers/").json()["results"]] == [other_customer.pk]
    assert other_api.get("/api/v1/customers/?q=13800138000").json()["results"] == []
    other_admin_api = api_client_for(other_customer.shop, ApiKeyScope.ADMIN)
    csv_text = b"".join(other_admin_api.get("/api/v1/customers/export.csv").streaming_content).decode()
    assert "王芳" not in csv_text and "李雷" in csv_text


def test_create_with_a_phone_known_in_another_shop_creates_a_new_customer(other_api, customer, other_shop):
    response = other_api.post("/api/v1/customers/", {"phone": "13800138000"}, format="json")
    assert response.status_code == 201
    assert response.json()["id"] != customer.pk


def test_other_shops_tag_cannot_be_put_on_own_customer(api, other_tag, customer, shop):
    response = api.post(f"/api/v1/customers/{customer.pk}/tags/", {"tag_id": other_tag.pk}, format="json")
    assert response.status_code == 404
    with shop_scope(shop.pk):
        assert not CustomerTag.objects.exists()


def test_merge_with_other_shops_duplicate_is_404(admin_api, customer, other_customer, shop):
    response = admin_api.post(
        f"/api/v1/customers/{customer.pk}/merge/", {"duplicate_id": other_customer.pk}, format="json"
    )
    assert response.status_code == 404
    with shop_scope(shop.pk):
        assert not Customer.objects.filter(merged_into__isnull=False).exists()


def test_list_statements_compiled_once_per_shop_serve_only_that_shop(api, other_api, customer, other_customer):
    """A plain page's compiled SQL is reused across requests (customers.selectors.list_statements):
    the shop is part of what is reused, so each shop's cached page still shows only its own
    customers, whichever shop compiled first and whatever the page's cursor."""
    from customers.selectors.list_statements import _STATEMENTS

    _STATEMENTS.clear()
    for ordering in ("-id", "-last_order_at", "-total_spent"):
        for _ in range(2):
            assert [row["id"] for row in api.get(f"/api/v1/customers/?ordering={ordering}").json()["results"]] == [
                customer.pk
            ]
            assert [
                row["id"] for row in other_api.get(f"/api/v1/customers/?ordering={ordering}").json()["results"]
            ] == [other_customer.pk]
    shops = {key[0] for key in _STATEMENTS}
    assert shops == {customer.shop_id, other_customer.shop_id}
    # -last_order_at has a second part (customers without orders); the others one each.
    assert len(_STATEMENTS) == 2 * 4
