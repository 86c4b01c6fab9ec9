"""Input the API used to accept silently: implausible birthdays, payments before the order,
money as a JSON float, a blank channel, and paging parameters it ignored."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.orders.payloads import order_payload

TOMORROW = (timezone.localdate() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize("birthday", ["0001-01-01", "1800-06-01", "9999-12-31", TOMORROW])
def test_implausible_birthdays_are_refused_on_create_and_edit(api, birthday):
    created = api.post("/api/v1/customers/", {"phone": "13900139001", "birthday": birthday}, format="json")
    assert created.status_code == 400 and "birthday" in created.json()["fields"]
    customer = api.post("/api/v1/customers/", {"phone": "13900139002"}, format="json").json()
    edited = api.patch(f"/api/v1/customers/{customer['id']}/", {"birthday": birthday}, format="json")
    assert edited.status_code == 400 and "birthday" in edited.json()["fields"]


def test_a_plausible_birthday_is_kept(api):
    created = api.post("/api/v1/customers/", {"phone": "13900139003", "birthday": "1990-02-28"}, format="json")
    assert created.status_code == 201 and created.json()["birthday"] == "1990-02-28"


def test_a_blank_source_channel_is_refused(api):
    response = api.post("/api/v1/customers/", {"phone": "13900139004", "source_channel": ""}, format="json")
    assert response.status_code == 400 and "source_channel" in response.json()["fields"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"paid_at": "2000-11-01T10:00:00+08:00"}, "paid_at"),  # 26 years before placed_at
        ({"total": 98.0}, "total"),
        ({"discount": 0.1}, "discount"),
    ],
)
def test_orders_refuse_payment_before_placing_and_float_money(api, changes, field):
    response = api.post("/api/v1/orders/", order_payload("S-1", **changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.parametrize("path", ["orders/", "tags/", "insights/runs/", "customers/"])
@pytest.mark.parametrize("page_size", ["abc", "0", "-1", "201", "1.5"])
def test_every_list_refuses_a_bad_page_size(admin_api, path, page_size):
    response = admin_api.get(f"/api/v1/{path}", {"page_size": page_size})
    assert response.status_code == 400
    assert "page_size" in response.json()["fields"]


@pytest.mark.parametrize("path", ["orders/", "customers/"])
def test_every_cursor_list_refuses_a_made_up_cursor(admin_api, path):
    response = admin_api.get(f"/api/v1/{path}", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert "cursor" in response.json()["fields"]


def test_the_schema_states_the_idempotency_header_the_414_and_the_channel_enum(client, db):
    schema = client.get("/api/schema/?format=json").json()
    order_create = schema["paths"]["/api/v1/orders/"]["post"]
    assert any(parameter["name"] == "Idempotency-Key" for parameter in order_create["parameters"])
    assert "414" in order_create["responses"]
    channel = schema["components"]["schemas"]["CustomerChannelEnum"]
    assert "" not in channel["enum"]


def test_an_idempotency_key_with_a_multipart_body_is_a_400_not_a_500(owner, shop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get(reverse("shop-settings", kwargs={"shop_slug": shop.slug}))  # sets the CSRF cookie
    form = {"email": "a@b.example", "role": "agent", "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    response = client.post(f"/api/v1/s/{shop.slug}/members/", form, HTTP_IDEMPOTENCY_KEY="k-multipart")
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["fields"]
