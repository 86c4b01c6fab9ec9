"""The shape a distributed database (Citus) needs, checked on every run on plain PostgreSQL:
tenant tables keyed (shop_id, ...), foreign keys between them composite with shop_id, tenant
settings set by SET LOCAL (never set_config), raw SQL joins between tenant tables on shop_id,
and a shop compared by a scalar subquery only through shop_key() (Citus routes a plain
equality only). Each check is also run on a planted violation, so it is known to fail."""

import re

import pytest
from django.apps import apps
from django.db import connection

from crm.tenancy.models import ShopOwnedModel
from tests.architecture.test_tenancy_rules import source_files

# Foreign keys between tenant tables with no constraint at all, on purpose: a scoring run writes
# a million scores in one statement, derived under row-level security from the shop's own rows,
# and checking each row's keys cost more than the computation (insights/migrations/0004).
UNCONSTRAINED_ALLOWED = {("insights_customerscore", "run_id"), ("insights_customerscore", "customer_id")}
# The API-key lookup sets its prefix inside its own function, on the coordinator (crm_apikey is
# a reference table there), where that setting is seen; it names no shop.
SET_CONFIG_ALLOWED = {"crm/migrations/0003_api_key_lookup_function.py"}

TENANT_TABLES_SQL = (
    "SELECT c.oid FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'shop_id' "
    "WHERE c.relnamespace = %(schema)s::regnamespace AND c.relkind = 'r' AND c.relrowsecurity"
)


def primary_key_offenders(cursor, schema: str) -> set[str]:
    """Tenant tables whose primary key does not start with shop_id."""
    cursor.execute(
        f"SELECT c.relname FROM pg_class c LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'p' "
        f"LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1] "
        f"WHERE c.oid IN ({TENANT_TABLES_SQL}) AND a.attname IS DISTINCT FROM 'shop_id'",
        {"schema": schema},
    )
    return {name for (name,) in cursor.fetchall()}


def foreign_key_offenders(cursor, schema: str) -> set[tuple[str, str]]:
    """Foreign keys between tenant tables that are not (shop_id, x_id) -> (shop_id, id)."""
    cursor.execute(
        f"SELECT k.conrelid::regclass::text, k.conname, "
        f"  (SELECT array_agg(attname ORDER BY n) FROM unnest(k.conkey) WITH ORDINALITY AS u(num, n) "
        f"   JOIN pg_attribute ON attrelid = k.conrelid AND attnum = u.num), "
        f"  (SELECT array_agg(attname ORDER BY n) FROM unnest(k.confkey) WITH ORDINALITY AS u(num, n) "
        f"   JOIN pg_attribute ON attrelid = k.confrelid AND attnum = u.num) "
        f"FROM pg_constraint k WHERE k.contype = 'f' "
        f"AND k.conrelid IN ({TENANT_TABLES_SQL}) AND k.confrelid IN ({TENANT_TABLES_SQL})",
        {"schema": schema},
    )
    return {
        (table, name)
        for table, name, columns, targets in cursor.fetchall()
        if len(columns) != 2 or columns[0] != "shop_id" or targets != ["shop_id", "id"]
    }


def unconstrained_relations(cursor) -> set[tuple[str, str]]:
    """Model foreign keys from one tenant model to another with no composite constraint."""
    cursor.execute(
        "SELECT k.conrelid::regclass::text, a.attname FROM pg_constraint k "
        "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[2] "
        "WHERE k.contype = 'f' AND cardinality(k.conkey) = 2"
    )
    constrained = set(cursor.fetchall())
    return {
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        if issubclass(model, ShopOwnedModel)
        for field in model._meta.fields
        if field.many_to_one and field.name != "shop" and issubclass(field.related_model, ShopOwnedModel)
    } - constrained


# A session setting named literally (a worker's timeouts) is not a tenant setting.
_OTHER_SETTING = re.compile(r"set_config\('(?!app\.)[a-z_.]+'", re.IGNORECASE)


def set_config_offenders(text: str) -> list[int]:
    """Lines with set_config() for a tenant (app.*) setting or a setting named by a parameter."""
    return [
        number
        for number, line in enumerate(text.splitlines(), 1)
        if line.lower().count("set_config(") > len(_OTHER_SETTING.findall(line))
    ]


# `shop_id = (SELECT %s::bigint)` written into a statement: plain PostgreSQL's planning trick,
# which Citus cannot route; crm/platform/postgresql/citus.py's shop_key() gives it per engine.
_SHOP_SUBQUERY = re.compile(r"shop_id\s*=\s*\(\s*SELECT\s+%", re.IGNORECASE)


def shop_subquery_offenders(text: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), 1) if _SHOP_SUBQUERY.search(line)]


JOIN = re.compile(
    r"\bJOIN\s+(?P<table>\w+)(?:\s+(?:AS\s+)?(?!ON\b)\w+)?\s+ON\s+(?P<condition>.*?)"
    r"(?=\b(?:WHERE|JOIN|LEFT|RIGHT|FULL|INNER|CROSS|GROUP|ORDER|LIMIT|UNION)\b|[\"')]|$)",
    re.IGNORECASE | re.DOTALL,
)


def raw_join_offenders(text: str, tenant_tables: set[str]) -> list[str]:
    """Joins to a tenant table in raw SQL whose condition does not match shop_id."""
    return [
        match.group(0)
        for match in JOIN.finditer(text)
        if match.group("table") in tenant_tables and "shop_id" not in match.group("condition")
    ]


def model_tenant_tables() -> set[str]:
    return {model._meta.db_table for model in apps.get_models() if issubclass(model, ShopOwnedModel)}


@pytest.mark.django_db
def test_tenant_tables_have_primary_keys_starting_with_shop_id():
    with connection.cursor() as cursor:
        assert primary_key_offenders(cursor, "public") == set()


@pytest.mark.django_db
def test_foreign_keys_between_tenant_tables_are_composite_with_shop_id():
    with connection.cursor() as cursor:
        assert foreign_key_offenders(cursor, "public") == set()
        assert unconstrained_relations(cursor) == UNCONSTRAINED_ALLOWED


@pytest.mark.django_db
def test_planted_tenant_tables_with_wrong_keys_are_found():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE planted_parent (shop_id bigint NOT NULL, id bigint PRIMARY KEY);"
            "CREATE TEMP TABLE planted_child (shop_id bigint NOT NULL, id bigint, parent_id bigint "
            "  REFERENCES planted_parent (id), PRIMARY KEY (shop_id, id));"
            "ALTER TABLE planted_parent ENABLE ROW LEVEL SECURITY;"
            "ALTER TABLE planted_child ENABLE ROW LEVEL SECURITY;"
            "SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()"
        )
        (schema,) = cursor.fetchone()
        assert primary_key_offenders(cursor, schema) == {"planted_parent"}
        assert {name for _, name in foreign_key_offenders(cursor, schema)} == {"planted_child_parent_id_fkey"}


def source_offenders(find, *, allowed=frozenset()) -> list[str]:
    """`file:finding` for what `find(text)` reports in every source file and migration."""
    return [
        f"{name}:{found}"
        for path, name in source_files(include_migrations=True)
        if name not in allowed
        for found in find(path.read_text())
    ]


def test_no_set_config_in_source_or_migrations():
    assert source_offenders(set_config_offenders, allowed=SET_CONFIG_ALLOWED) == []


def test_planted_set_config_is_found():
    assert set_config_offenders("cursor.execute(\"SELECT set_config('app.shop_id', %s, true)\", [shop])") == [1]
    assert set_config_offenders('cursor.execute("SELECT set_config(%s, %s, true)", [name, value])') == [1]
    assert set_config_offenders('cursor.execute("SET LOCAL app.shop_id = %s", [shop])') == []
    assert set_config_offenders("cursor.execute(\"SELECT set_config('lock_timeout', %s, false)\")") == []


def test_a_shop_is_compared_by_subquery_only_through_shop_key():
    assert source_offenders(shop_subquery_offenders) == []


def test_planted_shop_subquery_is_found():
    assert shop_subquery_offenders('"WHERE o.shop_id = (SELECT %s::bigint) AND o.id = ANY(%s)"') == [1]
    assert shop_subquery_offenders('"WHERE shop_id = ( select %(shop_id)s::bigint)"') == [1]
    assert shop_subquery_offenders('f"WHERE o.shop_id = {shop_key(connection)} AND o.id = ANY(%s)"') == []
    assert shop_subquery_offenders('"USING (shop_id = (SELECT crm_current_shop_id()))"') == []


def test_raw_joins_between_tenant_tables_match_shop_id():
    tenant_tables = model_tenant_tables()
    assert source_offenders(lambda text: raw_join_offenders(text, tenant_tables)) == []


def test_planted_raw_join_without_shop_id_is_found():
    tables = {"customers_customertag", "customers_tag"}
    planted = '"FROM customers_customertag ct JOIN customers_tag t ON t.id = ct.tag_id WHERE ct.shop_id = %s"'
    assert raw_join_offenders(planted, tables) == ["JOIN customers_tag t ON t.id = ct.tag_id "]
    fixed = '"FROM customers_customertag ct JOIN customers_tag t ON t.shop_id = ct.shop_id AND t.id = ct.tag_id"'
    assert raw_join_offenders(fixed, tables) == []
