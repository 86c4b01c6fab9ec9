"""The API skeleton: authentication, the one error shape, cross-shop 404s, roles,
Idempotency-Key, pagination caps."""

import hashlib
import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from crm.models import ApiKey, Invitation, Membership, Role
from crm.shops.services import api_key_create, api_key_revoke
from crm.tenancy.context import shop_scope
from tests.conftest import make_shop, make_user


def assert_error_shape(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}
    assert body["code"] == code
    return body


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_api_key_sees_its_own_shop(api, shop):
    response = api.get("/api/v1/shop/")
    assert response.status_code == 200
    assert response.json()["slug"] == shop.slug
    assert response["X-Request-ID"]


def test_missing_malformed_wrong_and_revoked_keys_get_401(shop):
    assert_error_shape(APIClient().get("/api/v1/shop/"), 401, "not_authenticated")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer nonsense")
    assert_error_shape(client.get("/api/v1/shop/"), 401, "authentication_failed")
    with shop_scope(shop.pk):
        api_key, raw_key = api_key_create(shop=shop, name="soon revoked")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key[:-2]}xx")
    assert_error_shape(client.get("/api/v1/shop/"), 401, "authentication_failed")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert client.get("/api/v1/shop/").status_code == 200
    with shop_scope(shop.pk):
        api_key_revoke(api_key=api_key)
    body = assert_error_shape(client.get("/api/v1/shop/"), 401, "authentication_failed")
    assert "revoked" in body["detail"]


def test_key_of_shop_a_cannot_name_shop_b_in_the_url(api, other_shop):
    missing = api.get("/api/v1/s/no-such-shop/shop/")
    other = api.get(f"/api/v1/s/{other_shop.slug}/shop/")
    assert_error_shape(other, 404, "not_found")
    assert other.json() == missing.json()


def test_staff_session_of_shop_a_gets_404_for_shop_b_like_a_missing_shop(owner, other_shop):
    client = session_client(owner)
    missing = client.get("/api/v1/s/no-such-shop/members/")
    other = client.get(f"/api/v1/s/{other_shop.slug}/members/")
    assert_error_shape(other, 404, "not_found")
    assert other.json() == missing.json()


def test_owner_cannot_revoke_another_shops_key_by_id(owner, shop, other_shop):
    with shop_scope(other_shop.pk):
        other_key, _ = api_key_create(shop=other_shop, name="b-storefront")
    client = session_client(owner)
    other = client.post(f"/api/v1/s/{shop.slug}/api-keys/{other_key.pk}/revoke/")
    missing = client.post(f"/api/v1/s/{shop.slug}/api-keys/999999/revoke/")
    assert_error_shape(other, 404, "not_found")
    assert other.json() == missing.json()
    with shop_scope(other_shop.pk):
        assert ApiKey.objects.get(pk=other_key.pk).revoked_at is None


def test_owner_cannot_change_another_shops_membership(owner, shop, other_shop):
    with shop_scope(other_shop.pk):
        other_membership = Membership.objects.get()
    response = session_client(owner).patch(
        f"/api/v1/s/{shop.slug}/members/{other_membership.pk}/", {"role": "agent"}, format="json"
    )
    assert_error_shape(response, 404, "not_found")
    with shop_scope(other_shop.pk):
        assert Membership.objects.get().role == Role.OWNER


@pytest.mark.parametrize(("role", "status"), [(Role.AGENT, 403), (Role.MANAGER, 403), (Role.OWNER, 200)])
def test_only_owners_manage_staff_and_keys(shop, role, status):
    user = make_user(f"{role}@matrix.example", role, shop)
    client = session_client(user)
    assert client.get(f"/api/v1/s/{shop.slug}/members/").status_code == status
    assert client.get(f"/api/v1/s/{shop.slug}/api-keys/").status_code == status
    created = client.post(f"/api/v1/s/{shop.slug}/api-keys/", {"name": f"k-{role}"}, format="json")
    assert created.status_code == (201 if status == 200 else 403)


def test_api_keys_cannot_manage_staff_or_keys(api):
    assert_error_shape(api.get("/api/v1/members/"), 403, "permission_denied")
    assert_error_shape(api.post("/api/v1/api-keys/", {"name": "x"}, format="json"), 403, "permission_denied")


def test_created_key_is_shown_once_and_works(owner, shop):
    client = session_client(owner)
    created = client.post(f"/api/v1/s/{shop.slug}/api-keys/", {"name": "web store"}, format="json").json()
    assert created["key"].startswith("sk_")
    listed = client.get(f"/api/v1/s/{shop.slug}/api-keys/").json()
    assert all("key" not in item for item in listed)
    storefront = APIClient()
    storefront.credentials(HTTP_AUTHORIZATION=f"Bearer {created['key']}")
    assert storefront.get("/api/v1/shop/").json()["slug"] == shop.slug
    with shop_scope(shop.pk):
        assert ApiKey.objects.get(name="web store").last_used_at is not None


def test_validation_errors_name_the_field(owner, shop):
    response = session_client(owner).post(
        f"/api/v1/s/{shop.slug}/members/", {"email": "not-an-email", "role": "emperor"}, format="json"
    )
    body = assert_error_shape(response, 400, "invalid")
    assert set(body["fields"]) == {"email", "role"}


def test_last_owner_cannot_be_demoted(owner, shop):
    with shop_scope(shop.pk):
        membership = Membership.objects.get(user=owner)
    response = session_client(owner).patch(
        f"/api/v1/s/{shop.slug}/members/{membership.pk}/", {"role": "agent"}, format="json"
    )
    assert assert_error_shape(response, 400, "invalid")["fields"] == {"role": ["A shop must keep at least one owner."]}


def test_unknown_api_path_is_json_404(api):
    response = api.get("/api/v1/no-such-thing/")
    assert_error_shape(response, 404, "not_found")


def test_a_null_character_in_a_query_parameter_is_a_400_naming_it(api, staff_client, shop):
    # PostgreSQL text cannot hold NUL: passed on to the search, it was a 500.
    body = assert_error_shape(api.get("/api/v1/customers/", {"q": "王\x00"}), 400, "invalid")
    assert body["fields"] == {"q": ["Null characters are not allowed."]}
    assert api.get("/api/v1/orders/", {"q": "A\x00"}).status_code == 400
    assert staff_client.get(f"/s/{shop.slug}/customers/", {"city": "\x00"}).status_code == 400
    assert staff_client.get(f"/s/{shop.slug}/customers/", {"city": "杭州"}).status_code == 200


def test_a_null_character_in_the_path_is_a_404(api, staff_client, shop):
    assert_error_shape(api.get("/api/v1/orders/A%00/"), 404, "not_found")
    assert_error_shape(api.post("/api/v1/orders/A%00/refunds/", {}, format="json"), 404, "not_found")
    assert staff_client.get(f"/s/{shop.slug}/orders/A%00/").status_code == 404


def test_json_nested_too_deeply_is_a_400_parse_error(api):
    # Python's json module gives up with RecursionError: it was a 500 on every JSON endpoint.
    too_deep = "[" * 100_000 + "]" * 100_000

    response = api.post("/api/v1/orders/bulk/", too_deep, content_type="application/json")

    assert assert_error_shape(response, 400, "parse_error")["detail"] == "JSON parse error - nested too deeply."


def test_a_body_django_refuses_to_read_is_a_json_400(api):
    too_many_fields = "&".join(f"customer_ids={n}" for n in range(1001))  # over DATA_UPLOAD_MAX_NUMBER_FIELDS

    response = api.post(
        "/api/v1/customers/bulk-tag/", too_many_fields, content_type="application/x-www-form-urlencoded"
    )

    assert_error_shape(response, 400, "bad_request")


# --- Idempotency-Key -------------------------------------------------------------------


def add_member(client, shop, email, key, role="agent"):
    return client.post(
        f"/api/v1/s/{shop.slug}/members/",
        {"email": email, "role": role},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_idempotency_key_replays_the_first_response(owner, shop):
    client = session_client(owner)
    first = add_member(client, shop, "new@tea.example", "k-1")
    again = add_member(client, shop, "new@tea.example", "k-1")
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    with shop_scope(shop.pk):
        assert Invitation.objects.filter(email="new@tea.example").count() == 1


def test_idempotency_key_reused_with_a_different_body_is_422(owner, shop):
    client = session_client(owner)
    add_member(client, shop, "new@tea.example", "k-2")
    assert_error_shape(add_member(client, shop, "other@tea.example", "k-2"), 422, "unprocessable")
    with shop_scope(shop.pk):
        assert not Invitation.objects.filter(email="other@tea.example").exists()


def test_idempotency_keys_are_per_shop(shop, other_shop):
    owner_a, owner_b = make_user("owner@tea.example"), make_user("owner@bike.example")
    assert add_member(session_client(owner_a), shop, "a@x.example", "same").status_code == 202
    replay_elsewhere = add_member(session_client(owner_b), other_shop, "b@x.example", "same")
    assert replay_elsewhere.status_code == 202
    assert replay_elsewhere.json()["email"] == "b@x.example"


@pytest.mark.django_db(transaction=True)
def test_concurrent_retry_with_the_same_key_is_409():
    shop = make_shop("idem-race", "owner@race.example")
    owner = make_user("owner@race.example")
    first_started, results = threading.Event(), {}
    blocker = connection.cursor()
    # Hold a lock on the invitation table so the first request stalls inside its handler,
    # after it has claimed the key.
    connection.set_autocommit(False)
    blocker.execute("LOCK TABLE crm_invitation IN EXCLUSIVE MODE")

    def first_request():
        client = Client()
        client.force_login(owner)
        first_started.set()
        results["first"] = add_member(client, shop, "slow@race.example", "race-key")

    thread = threading.Thread(target=first_request)
    thread.start()
    first_started.wait()
    lock = f"idempotency:shop:{shop.pk}:{hashlib.sha256(b'race-key').hexdigest()}"
    try:
        for _ in range(200):  # until the first request has claimed the key
            if cache.get(lock):
                break
            time.sleep(0.05)
        second_client = Client()
        second_client.force_login(owner)
        assert_error_shape(add_member(second_client, shop, "slow@race.example", "race-key"), 409, "conflict")
    finally:
        connection.rollback()
        connection.set_autocommit(True)
        thread.join(timeout=30)
    assert results["first"].status_code == 202
