"""Home redirect, overview, navigation by role, shop switcher, language switch, error pages."""

import re

from django.test import Client
from django.urls import reverse

from crm.models import Role
from crm.shops.views import server_error
from tests.conftest import make_user


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_user_without_shop_sees_the_no_shop_page(db):
    response = client_for(make_user("nobody@example.com")).get(reverse("home"))
    assert response.status_code == 200
    assert b"any shop yet" in response.content


def test_storefront_snippets_are_on_the_settings_page_for_owners_only(staff_client, manager, shop):
    home = staff_client.get(reverse("shop-home", kwargs={"shop_slug": shop.slug})).content.decode()
    settings_url = reverse("shop-settings", kwargs={"shop_slug": shop.slug})
    body = staff_client.get(settings_url).content.decode()

    assert "http://testserver/api/v1/shop/" not in home and 'aria-current="page"' in home
    assert "http://testserver/api/v1/shop/" in body and "http://testserver/api/docs/" in body
    assert "http://testserver/api/v1/shop/" not in client_for(manager).get(settings_url).content.decode()


def test_navigation_follows_the_role(agent, owner, shop):
    settings_url = reverse("shop-settings", kwargs={"shop_slug": shop.slug})
    home = reverse("shop-home", kwargs={"shop_slug": shop.slug})
    assert settings_url not in client_for(agent).get(home).content.decode()
    assert settings_url in client_for(owner).get(home).content.decode()


def test_switcher_lists_every_shop_of_the_user_and_the_url_decides(shop, other_shop):
    both = make_user("both@example.com", Role.AGENT, shop)
    make_user("both@example.com", Role.MANAGER, other_shop)
    client = client_for(both)
    page = client.get(reverse("shop-home", kwargs={"shop_slug": other_shop.slug}))
    assert page.context["current_shop"] == other_shop
    body = page.content.decode()
    for slug in (shop.slug, other_shop.slug):
        assert reverse("shop-home", kwargs={"shop_slug": slug}) in body
    # Opening the other shop stored nothing: the home page still picks the first shop by name.
    first = sorted([shop, other_shop], key=lambda s: s.name)[0]
    assert client.get(reverse("home"))["Location"] == reverse("shop-home", kwargs={"shop_slug": first.slug})


def test_language_switch_renders_chinese(staff_client, shop):
    home = reverse("shop-home", kwargs={"shop_slug": shop.slug})
    response = staff_client.post(reverse("set_language"), {"language": "zh-hans", "next": home})
    assert response["Location"] == home
    body = staff_client.get(home).content.decode()
    assert 'lang="zh-hans"' in body
    assert "需要处理的事项" in body  # "What needs doing"
    assert "设置" in body  # "Settings"


def test_login_page_in_chinese(client, db):
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/login/"})
    body = client.get(reverse("login")).content.decode()
    assert "登录" in body


def test_unknown_page_is_the_html_404(staff_client):
    response = staff_client.get("/s/no-such-shop/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_pages_load_only_vendored_assets_and_send_csrf_with_htmx(staff_client, shop):
    body = staff_client.get(reverse("shop-home", kwargs={"shop_slug": shop.slug})).content.decode()
    assert '<script src="/static/vendor/htmx.min.js"' in body
    assert 'hx-headers=\'{"X-CSRFToken": "' in body
    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', body)
    assert assets and all(asset.startswith("/static/") for asset in assets), assets


def test_server_error_page_renders_without_a_request_context(rf):
    response = server_error(rf.get("/s/tea-house/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert server_error(rf.get("/api/v1/shop/"))["Content-Type"] == "application/json"
