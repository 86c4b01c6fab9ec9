"""The managers' admin shows one shop at a time: changelists, FK dropdowns and filters."""

import pytest
from django.contrib import admin

from crm.models import Membership, Role, User
from crm.platform.request_context import Actor, acting_as
from crm.shops.audit import audit_event_record
from crm.shops.services import api_key_create
from crm.tenancy.context import shop_scope
from crm.tenancy.models import ShopOwnedModel
from tests.conftest import make_user


@pytest.fixture
def keys(shop, other_shop):
    with shop_scope(shop.pk):
        api_key_create(shop=shop, name="tea-storefront")
    with shop_scope(other_shop.pk):
        api_key_create(shop=other_shop, name="bike-storefront")
    make_user("mechanic@bike.example", Role.AGENT, other_shop)


def test_manager_sees_only_their_shop_in_changelists_filters_and_dropdowns(client, manager, keys):
    client.force_login(manager)
    keys_page = client.get("/admin/crm/apikey/").content.decode()
    assert "tea-storefront" in keys_page and "bike-storefront" not in keys_page
    members_page = client.get("/admin/crm/membership/").content.decode()
    assert "manager@tea.example" in members_page and "mechanic@bike.example" not in members_page
    shops_page = client.get("/admin/crm/shop/").content.decode()
    assert "Tea House" in shops_page and "Bike Barn" not in shops_page


def test_no_admin_page_lists_another_shops_rows_or_staff(client, shop, other_shop, manager, keys):
    """Every changelist (with its filters) and add form, as a manager of `shop`, while
    `other_shop` has staff, keys and audit events by its staff."""
    mechanic = User.objects.get(email="mechanic@bike.example")
    with shop_scope(other_shop.pk), acting_as(Actor(user_id=mechanic.pk)):
        audit_event_record(action="test.by_other_staff")
    with shop_scope(shop.pk), acting_as(Actor(user_id=manager.pk)):
        audit_event_record(action="test.by_own_staff")
    client.force_login(manager)
    leaks = {}
    for model in [model for model in admin.site._registry if issubclass(model, ShopOwnedModel)]:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for url in (base, f"{base}add/"):
            page = client.get(url).content.decode()
            found = [marker for marker in ("mechanic", "owner@bike", "bike-storefront", "Bike Barn") if marker in page]
            if found:
                leaks[url] = found
    assert leaks == {}
    audit_page = client.get("/admin/crm/auditevent/").content.decode()
    assert "?actor_user__id__exact=" in audit_page  # the filter is there, with this shop's staff


def test_manager_cannot_switch_to_or_open_another_shops_rows(client, manager, other_shop, keys):
    client.force_login(manager)
    client.get(f"/admin/switch-shop/{other_shop.slug}/")
    assert "bike-storefront" not in client.get("/admin/crm/apikey/").content.decode()
    with shop_scope(other_shop.pk):
        other_membership_id = Membership.objects.first().pk
    assert client.get(f"/admin/crm/membership/{other_membership_id}/change/").status_code in (302, 404)


def test_agents_and_strangers_are_kept_out(client, agent):
    client.force_login(agent)
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/crm/apikey/").status_code == 302


def test_superuser_sees_every_shop_one_at_a_time(client, shop, other_shop, keys):
    client.force_login(User.objects.create_superuser("root@platform.example", "platform-pass-123"))
    client.get(f"/admin/switch-shop/{shop.slug}/")
    assert "tea-storefront" in client.get("/admin/crm/apikey/").content.decode()
    client.get(f"/admin/switch-shop/{other_shop.slug}/")
    page = client.get("/admin/crm/apikey/").content.decode()
    assert "bike-storefront" in page and "tea-storefront" not in page
    assert "Bike Barn" in client.get("/admin/crm/shop/").content.decode()
