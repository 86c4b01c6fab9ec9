"""Platform management commands: create_shop, create_api_key (raw key on the last line)."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from crm.models import Membership, Role, Shop
from crm.tenancy.context import shop_scope


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_create_shop_and_api_key_give_a_working_storefront_key(db):
    run(
        "create_shop",
        "lotus",
        "--name",
        "Lotus",
        "--owner-email",
        "Boss@Lotus.example",
        "--owner-password",
        "a-long-password",
    )
    shop = Shop.objects.get(slug="lotus")
    with shop_scope(shop.pk):
        assert Membership.objects.get().role == Role.OWNER
        assert Membership.objects.get().user.email == "boss@lotus.example"
    raw_key = run("create_api_key", "lotus", "--name", "web").strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert client.get("/api/v1/shop/").json()["slug"] == "lotus"


def test_commands_refuse_bad_input(shop):
    with pytest.raises(CommandError, match="exists"):
        run(
            "create_shop", shop.slug, "--name", "Again", "--owner-email", "x@y.example", "--owner-password", "pw-long-1"
        )
    with pytest.raises(CommandError, match="owner-password"):
        run("create_shop", "nopw", "--name", "No password", "--owner-email", "new@y.example")
    with pytest.raises(CommandError, match="no shop"):
        run("create_api_key", "missing-shop")
    run("create_api_key", shop.slug, "--name", "dup")
    with pytest.raises(CommandError, match="already has a key"):
        run("create_api_key", shop.slug, "--name", "dup")
