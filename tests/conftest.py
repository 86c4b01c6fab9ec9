"""Shared fixtures. Every test has two shops, `shop` and `other_shop`, each with an owner,
so cross-shop behaviour is always one fixture away. The database is the real PostgreSQL
test database, migrated here as the owner role; tests connect as the app role, so
row-level security applies to them exactly as in production."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from crm.models import ApiKeyScope, Role
from crm.shops.services import api_key_create, membership_set, shop_create, user_get_or_create
from crm.tenancy.context import setting_signature, shop_scope

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    environment = {**os.environ, "DB_ROLE": "owner", "DJANGO_SETTINGS_MODULE": "crm.settings.test"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=environment, check=True
    )


@pytest.fixture(autouse=True)
def _clean_cache():
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    yield
    # A request in Chinese leaves its language active in this thread for the next test.
    translation.deactivate()


def make_user(email: str, role: str | None = None, shop=None):
    user, _ = user_get_or_create(email=email, password=PASSWORD, full_name=email.split("@")[0])
    if shop is not None:
        with shop_scope(shop.pk):
            membership_set(shop=shop, user=user, role=role)
    return user


def make_shop(slug: str, owner_email: str):
    owner = make_user(owner_email)
    return shop_create(slug=slug, name=slug.replace("-", " ").title(), owner=owner)


@pytest.fixture
def shop(db):
    return make_shop("tea-house", "owner@tea.example")


@pytest.fixture
def other_shop(db):
    return make_shop("bike-barn", "owner@bike.example")


@pytest.fixture
def owner(shop):
    return make_user("owner@tea.example")


@pytest.fixture
def manager(shop):
    return make_user("manager@tea.example", Role.MANAGER, shop)


@pytest.fixture
def agent(shop):
    return make_user("agent@tea.example", Role.AGENT, shop)


@pytest.fixture
def in_shop(shop):
    """Run the test body inside `shop`'s scope."""
    with shop_scope(shop.pk):
        yield shop


def signed_setting_sql(name: str, value: str, expires_in: int = 60) -> tuple[str, list[str]]:
    """What shop_scope runs (a shop id signed for the database), for a connection of a test's own."""
    return (
        f"SET LOCAL {name} = %s; SET LOCAL {name}_mac = %s",
        [value, setting_signature(name, value, int(time.time()) + expires_in)],
    )


def api_client_for(shop, scope: str = ApiKeyScope.STOREFRONT) -> APIClient:
    with shop_scope(shop.pk):
        _, raw_key = api_key_create(shop=shop, name=scope, scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


@pytest.fixture
def api(shop):
    """A storefront client authenticated with an API key of `shop`."""
    return api_client_for(shop)


@pytest.fixture
def admin_api(shop):
    """A client with an admin-scope API key of `shop` (export, erasure, merge, ...)."""
    return api_client_for(shop, ApiKeyScope.ADMIN)


@pytest.fixture
def other_api(other_shop):
    """A storefront client authenticated with an API key of `other_shop`."""
    return api_client_for(other_shop)


@pytest.fixture
def staff_client(client, owner):
    client.force_login(owner)
    return client
