"""Response headers: a Content-Security-Policy everywhere, nothing cached, and the
product's own error pages unless debug is asked for."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.fixture
def pages(shop, staff_client):
    return [
        reverse("login"),
        reverse("shop-home", kwargs={"shop_slug": shop.slug}),
        reverse("shop-settings", kwargs={"shop_slug": shop.slug}),
        reverse("customers:list", kwargs={"shop_slug": shop.slug}),
        reverse("orders:list", kwargs={"shop_slug": shop.slug}),
        "/admin/",
        "/api/docs/",
        "/no-such-page/",
    ]


def test_every_response_has_a_self_only_csp_and_is_not_stored(staff_client, shop, pages, api):
    responses = [staff_client.get(path) for path in pages]
    responses += [api.get("/api/v1/shop/"), staff_client.get(f"/api/v1/s/{shop.slug}/customers/export.csv")]
    for response in responses:
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "http" not in policy  # nothing from elsewhere
        assert response["Cache-Control"] == "private, no-store"


def test_pages_carry_no_inline_script_the_policy_would_block(staff_client, pages):
    for path in pages:
        html = staff_client.get(path).content.decode()
        assert not INLINE_SCRIPT.search(html), path
        assert not INLINE_HANDLER.search(html), path


def test_a_missing_page_is_the_products_own(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "ShopCRM" in response.content.decode() and "Traceback" not in response.content.decode()


@pytest.mark.parametrize(("debug", "expected"), [(None, "False"), ("1", "True")])
def test_make_run_settings_debug_only_when_asked(debug, expected):
    environment = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    environment["DJANGO_SETTINGS_MODULE"] = "crm.settings.dev"
    if debug:
        environment["DEBUG"] = debug
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.stdout.strip() == expected, result.stderr
