"""The tenancy invariants (every tenant table has forced row-level security with a fail-closed
policy, `all_shops` only in allowed places, ...), checked mechanically against the migrated
database and the source tree."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

from crm.tenancy.api import ShopScopedApi
from crm.tenancy.models import ShopOwnedModel

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("crm", "customers", "orders", "insights", "messaging", "tickets", "campaigns")
# Where crossing shops is legitimate: the admin (scoped per request by its site), the
# tenancy core's pre-scope lookups (API key by prefix, a user's memberships) and
# platform management commands.
ALL_SHOPS_ALLOWED = re.compile(r"(^|/)(admin[^/]*\.py|crm/tenancy/(auth|access)\.py|management/commands/[^/]+\.py)$")
# Globally unique by design: an API key is found by its prefix before its shop is known.
UNIQUE_NOT_SHOP_FIRST_ALLOWED = {("crm_apikey", "crm_apikey_prefix_key")}


def source_files(*, include_migrations: bool = False):
    for directory in SOURCE_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            if include_migrations or "migrations" not in path.parts:
                yield path, path.relative_to(ROOT).as_posix()


def tenant_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'shop_id' ORDER BY table_name"
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_every_table_with_shop_id_has_forced_rls_and_a_shop_policy():
    tables = tenant_tables()
    assert "crm_membership" in tables
    # The verified context; on Citus the propagated setting itself (docs/scaling.md).
    connection.ensure_connection()
    compared_with = "%app.shop_id%" if connection.is_citus else "%crm_current_shop_id()%"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "  bool_or(p.polcmd = '*' AND pg_get_expr(p.polqual, p.polrelid) LIKE %(compared)s "
            "          AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE %(compared)s) "
            "FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid "
            "WHERE c.relname = ANY(%(tables)s) GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity",
            {"compared": compared_with, "tables": tables},
        )
        rows = {name: flags for name, *flags in cursor.fetchall()}
    assert {name for name, flags in rows.items() if flags != [True, True, True]} == set()


@pytest.mark.django_db
def test_policies_fail_closed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT polname, pg_get_expr(polqual, polrelid) FROM pg_policy")
        for name, expression in cursor.fetchall():
            assert "IS NULL" not in expression.upper(), name
            # crm_current_shop_id() is NULL without a verified setting (crm/migrations/0004).
            assert "NULLIF" in expression.upper() or "crm_current_shop_id()" in expression, name


@pytest.mark.django_db
def test_unique_indexes_on_tenant_tables_start_with_shop_id():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, i.relname, a.attname FROM pg_index x "
            "JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid "
            "LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] "
            "WHERE x.indisunique AND NOT x.indisprimary AND t.relname = ANY(%s)",
            [tenant_tables()],
        )
        offenders = {(table, index) for table, index, first in cursor.fetchall() if first != "shop_id"}
    assert offenders - UNIQUE_NOT_SHOP_FIRST_ALLOWED == set()


@pytest.mark.django_db
def test_app_role_is_neither_superuser_nor_bypassrls_nor_table_owner():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False, False)
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
        assert cursor.fetchone()[0] == 0


def test_every_model_with_a_shop_inherits_shop_owned_model():
    offenders = [
        model._meta.label
        for model in apps.get_models()
        if any(f.name == "shop" for f in model._meta.fields) and not issubclass(model, ShopOwnedModel)
    ]
    assert offenders == []


def test_no_implicit_many_to_many_tables_on_tenant_models():
    offenders = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
        and (issubclass(model, ShopOwnedModel) or issubclass(field.related_model, ShopOwnedModel))
    ]
    assert offenders == []


def test_all_shops_is_used_only_in_allowed_modules():
    offenders = [
        name
        for path, name in source_files()
        if "all_shops" in path.read_text() and not ALL_SHOPS_ALLOWED.search(name) and name != "crm/tenancy/models.py"
    ]
    assert offenders == []


def test_services_enqueue_tasks_only_on_commit():
    offenders = []
    for path, name in source_files():
        if "services" not in name:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.(delay|apply_async)\(", line) and "on_commit" not in line:
                offenders.append(f"{name}:{number}")
    assert offenders == []


def test_money_is_never_a_float_field():
    money = re.compile(r"(price|total|amount|spend|spent|value|monetary|clv|discount|shipping|revenue)")
    offenders = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.fields
        if field.get_internal_type() == "FloatField" and money.search(field.name)
    ]
    assert offenders == []


def _api_views(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
            yield route, getattr(pattern.callback, "cls", None)


def test_every_api_v1_endpoint_is_a_shop_scoped_api():
    offenders = [
        route for route, view in _api_views(get_resolver()) if view is None or not issubclass(view, ShopScopedApi)
    ]
    assert offenders == []


def test_shop_scoped_api_refuses_to_have_its_guards_overridden():
    with pytest.raises(TypeError, match="may not override initial"):
        type("Sneaky", (ShopScopedApi,), {"initial": lambda self, request: None})
