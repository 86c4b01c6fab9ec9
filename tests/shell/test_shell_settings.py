"""The settings page: role matrix, staff, API keys, shop settings, cross-shop access."""

import datetime
import re

import pytest
from django.template.defaultfilters import date as date_filter
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import ApiKey, AuditEvent, Membership, Role
from crm.shops.services import api_key_create, api_key_revoke
from crm.tenancy.context import shop_scope
from tests.conftest import make_user


def url(name, shop, **kwargs):
    return reverse(name, kwargs={"shop_slug": shop.slug, **kwargs})


def without_csrf_tokens(response) -> str:
    # Each render masks the CSRF token differently and the language switch echoes the URL;
    # the rest of the page must be identical.
    pattern = r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value="|name="next" value=")[^"]+'
    return re.sub(pattern, r"\1", response.content.decode())


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def key_of(shop, name="storefront"):
    with shop_scope(shop.pk):
        return api_key_create(shop=shop, name=name)


def owner_actions(shop, other_membership_id, api_key_id):
    return [
        ("shop-settings", {}, {"name": "X", "timezone": "UTC", "currency": "USD", "phone_region": "US"}),
        ("shop-staff-add", {}, {"staff-email": "new@tea.example", "staff-role": Role.AGENT}),
        ("shop-staff-role", {"membership_id": other_membership_id}, {"role": Role.OWNER}),
        ("shop-staff-remove", {"membership_id": other_membership_id}, {}),
        ("shop-api-key-create", {}, {"api_key-name": "pos"}),
        ("shop-api-key-revoke", {"api_key_id": api_key_id}, {}),
    ]


def memberships_and_keys(shop):
    with shop_scope(shop.pk):
        return (
            sorted(Membership.objects.values_list("user__email", "role")),
            sorted(ApiKey.objects.values_list("name", "revoked_at")),
        )


def test_agent_gets_403_on_settings(agent, shop):
    response = client_for(agent).get(url("shop-settings", shop))
    assert response.status_code == 403
    assert b"403" in response.content


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER])
def test_below_owner_cannot_change_anything(role, shop, manager):
    user = make_user(f"{role}-2@tea.example", role, shop)
    api_key, _ = key_of(shop)
    with shop_scope(shop.pk):
        manager_membership_id = Membership.objects.get(user=manager).pk
    before = memberships_and_keys(shop)
    client = client_for(user)
    for name, kwargs, data in owner_actions(shop, manager_membership_id, api_key.pk):
        assert client.post(url(name, shop, **kwargs), data).status_code == 403, name
    assert memberships_and_keys(shop) == before
    shop.refresh_from_db()
    assert shop.currency == "CNY"


def test_manager_sees_staff_and_keys_read_only(manager, shop):
    key_of(shop, "mini program")
    response = client_for(manager).get(url("shop-settings", shop))
    assert response.status_code == 200
    body = response.content.decode()
    assert "owner@tea.example" in body and "mini program" in body
    assert url("shop-api-key-create", shop) not in body
    assert url("shop-staff-add", shop) not in body
    assert not response.context["can_manage"]


def test_owner_of_another_shop_gets_404(other_shop, shop):
    other_owner = make_user("owner@bike.example")
    response = client_for(other_owner).get(url("shop-settings", shop))
    assert response.status_code == 404
    missing = client_for(other_owner).get(reverse("shop-settings", kwargs={"shop_slug": "no-such-shop"}))
    assert missing.status_code == 404


def test_owner_cannot_touch_other_shops_rows_through_own_url(owner, shop, other_shop):
    other_key, _ = key_of(other_shop)
    with shop_scope(other_shop.pk):
        other_membership_id = Membership.objects.get().pk
    before = memberships_and_keys(other_shop)
    client = client_for(owner)
    revoke = client.post(url("shop-api-key-revoke", shop, api_key_id=other_key.pk))
    missing = client.post(url("shop-api-key-revoke", shop, api_key_id=other_key.pk + 10_000))
    assert revoke.status_code == missing.status_code == 404
    assert without_csrf_tokens(revoke) == without_csrf_tokens(missing)
    role_url = url("shop-staff-role", shop, membership_id=other_membership_id)
    assert client.post(role_url, {"role": "agent"}).status_code == 404
    assert client.post(url("shop-staff-remove", shop, membership_id=other_membership_id)).status_code == 404
    assert client.get(url("shop-api-key-revoke", shop, api_key_id=other_key.pk)).status_code == 404
    assert memberships_and_keys(other_shop) == before


def test_owner_creates_a_key_shown_once_that_works_then_revokes_it(owner, shop):
    client = client_for(owner)
    data = {"api_key-name": "WeChat mini program", "api_key-scope": "storefront"}
    response = client.post(url("shop-api-key-create", shop), data)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    raw_key = response.context["raw_key"]
    assert response.content.decode().count(raw_key) >= 1
    settings_page = client.get(url("shop-settings", shop)).content.decode()
    assert raw_key not in settings_page and "WeChat mini program" in settings_page

    storefront = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    answer = storefront.get("/api/v1/shop/")
    assert answer.status_code == 200
    assert answer.json()["slug"] == shop.slug

    api_key = response.context["api_key"]
    confirm = client.get(url("shop-api-key-revoke", shop, api_key_id=api_key.pk))
    assert confirm.status_code == 200
    assert client.post(url("shop-api-key-revoke", shop, api_key_id=api_key.pk)).status_code == 302
    assert storefront.get("/api/v1/shop/").status_code == 401
    with shop_scope(shop.pk):
        assert AuditEvent.objects.filter(action="api_key.revoke", object_id=str(api_key.pk)).exists()


def test_duplicate_key_name_is_a_form_error(owner, shop):
    key_of(shop, "pos")
    response = client_for(owner).post(url("shop-api-key-create", shop), {"api_key-name": "pos"})
    assert response.status_code == 400
    assert response.context["api_key_form"].has_error("name", code="duplicate")


def test_role_change_and_removal(owner, manager, shop):
    with shop_scope(shop.pk):
        membership_id = Membership.objects.get(user=manager).pk
    client = client_for(owner)
    client.post(url("shop-staff-role", shop, membership_id=membership_id), {"role": "agent"})
    with shop_scope(shop.pk):
        assert Membership.objects.get(pk=membership_id).role == Role.AGENT
    assert client.get(url("shop-staff-remove", shop, membership_id=membership_id)).status_code == 200
    client.post(url("shop-staff-remove", shop, membership_id=membership_id))
    with shop_scope(shop.pk):
        assert not Membership.objects.filter(pk=membership_id).exists()
    assert client_for(manager).get(url("shop-home", shop)).status_code == 404


def test_last_owner_cannot_demote_or_remove_themselves(owner, shop):
    with shop_scope(shop.pk):
        membership_id = Membership.objects.get(user=owner).pk
    client = client_for(owner)
    demote = client.post(url("shop-staff-role", shop, membership_id=membership_id), {"role": "agent"}, follow=True)
    assert "at least one owner" in demote.content.decode()
    remove = client.post(url("shop-staff-remove", shop, membership_id=membership_id), follow=True)
    assert "at least one owner" in remove.content.decode()
    with shop_scope(shop.pk):
        assert Membership.objects.get(pk=membership_id).role == Role.OWNER


def test_owner_updates_shop_settings_with_audit(owner, shop):
    data = {
        "name": "Tea House Hangzhou",
        "timezone": "Asia/Shanghai",
        "currency": "cny",
        "phone_region": "cn",
        "language": "zh-hans",
    }
    response = client_for(owner).post(url("shop-settings", shop), {**data, "name": "Tea House Hangzhou"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.currency, shop.phone_region) == ("Tea House Hangzhou", "CNY", "CN")
    with shop_scope(shop.pk):
        event = AuditEvent.objects.get(action="shop.settings_update")
    assert event.changes == {"name": ["Tea House", "Tea House Hangzhou"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [("currency", "RMB1"), ("currency", "yuan"), ("phone_region", "XX"), ("timezone", "Mars/Base"), ("language", "fr")],
)
def test_bad_shop_settings_are_form_errors(owner, shop, field, value):
    data = {"name": "Tea", "timezone": "Asia/Shanghai", "currency": "CNY", "phone_region": "CN", "language": "en"}
    response = client_for(owner).post(url("shop-settings", shop), {**data, field: value})
    assert response.status_code == 400
    assert field in response.context["shop_form"].errors
    shop.refresh_from_db()
    assert shop.name == "Tea House"


def test_settings_forms_are_csrf_protected(owner, shop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(url("shop-api-key-create", shop), {"api_key-name": "pos"}).status_code == 403
    with shop_scope(shop.pk):
        assert not ApiKey.objects.exists()


def test_settings_page_query_count_is_bounded(owner, shop, django_assert_max_num_queries):
    for index in range(5):
        key_of(shop, f"key {index}")
        make_user(f"agent{index}@tea.example", Role.AGENT, shop)
    client = client_for(owner)
    with django_assert_max_num_queries(25):
        assert client.get(url("shop-settings", shop)).status_code == 200


def test_times_are_shown_in_the_shop_timezone(owner, shop):
    api_key, _ = key_of(shop, "pos")
    in_shanghai = date_filter(timezone.localtime(api_key.created_at, shop.tzinfo), "SHORT_DATETIME_FORMAT")
    in_utc = date_filter(timezone.localtime(api_key.created_at, datetime.UTC), "SHORT_DATETIME_FORMAT")
    body = client_for(owner).get(url("shop-settings", shop)).content.decode()
    assert in_shanghai in body
    assert in_utc not in body


def test_active_keys_are_listed_before_revoked_ones(owner, shop):
    old_key, _ = key_of(shop, "old")
    key_of(shop, "current")
    with shop_scope(shop.pk):
        api_key_revoke(api_key=old_key)
    key_of(shop, "newest")
    response = client_for(owner).get(url("shop-settings", shop))
    assert [api_key.name for api_key in response.context["api_keys"]] == ["newest", "current", "old"]
