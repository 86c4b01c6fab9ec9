"""API key scopes: a storefront key (the default) ingests and reads; what staff need a
manager for needs an admin key, which an owner creates on purpose."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from crm.models import ApiKey, ApiKeyScope
from crm.tenancy.context import shop_scope
from customers.models import Customer, Tag
from tests.customers.factories import CustomerFactory

MANAGER_ONLY = [
    ("get", "customers/{customer}/export/", None),
    ("post", "customers/{customer}/erase/", None),
    ("post", "customers/{customer}/merge/", {"duplicate_id": "{duplicate}"}),
    ("delete", "tags/{tag}/", None),
]


@pytest.fixture
def rows(shop):
    with shop_scope(shop.pk):
        customer = CustomerFactory(shop=shop, name="王芳", phone="+8613800138000")
        duplicate = CustomerFactory(shop=shop, name="王芳 2")
        tag = Tag.objects.create(shop=shop, name="VIP")
    return {"customer": customer.pk, "duplicate": duplicate.pk, "tag": tag.pk}


@pytest.mark.parametrize(("method", "path", "body"), MANAGER_ONLY)
def test_a_storefront_key_is_refused_what_needs_a_manager_naming_the_scope(api, shop, rows, method, path, body):
    body = {key: int(value.format(**rows)) for key, value in body.items()} if body else None
    response = getattr(api, method)(f"/api/v1/{path.format(**rows)}", body, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "scope_required"
    assert '"admin" scope' in response.json()["detail"]
    with shop_scope(shop.pk):
        assert Customer.objects.filter(pk__in=[rows["customer"], rows["duplicate"]], erased_at=None).count() == 2
        assert Customer.objects.filter(merged_into__isnull=False).count() == 0
        assert Tag.objects.filter(pk=rows["tag"]).exists()


def test_a_storefront_key_still_ingests_and_reads(api, rows):
    assert api.post("/api/v1/customers/", {"phone": "13900139000"}, format="json").status_code == 201
    assert api.get(f"/api/v1/customers/{rows['customer']}/").status_code == 200


def test_an_admin_key_exports_and_erases(admin_api, rows):
    assert admin_api.get(f"/api/v1/customers/{rows['customer']}/export/").status_code == 200
    assert admin_api.post(f"/api/v1/customers/{rows['customer']}/erase/").status_code == 200


def test_create_api_key_command_takes_a_scope_and_prints_the_key_last(shop):
    out = io.StringIO()
    call_command("create_api_key", shop.slug, "--name", "erp", "--scope", "admin", stdout=out, stderr=io.StringIO())
    raw_key = out.getvalue().strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    with shop_scope(shop.pk):
        assert ApiKey.objects.get(name="erp").scope == ApiKeyScope.ADMIN
        customer = CustomerFactory(shop=shop)
    assert client.get(f"/api/v1/customers/{customer.pk}/export/").status_code == 200


def test_owners_choose_the_scope_of_a_new_key_and_it_defaults_to_storefront(owner, shop, client):
    client.force_login(owner)
    base = f"/api/v1/s/{shop.slug}/api-keys/"
    assert client.post(base, {"name": "shop"}, content_type="application/json").json()["scope"] == "storefront"
    created = client.post(base, {"name": "erp", "scope": "admin"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["scope"] == "admin"
    refused = client.post(base, {"name": "x", "scope": "root"}, content_type="application/json")
    assert refused.status_code == 400 and "scope" in refused.json()["fields"]
