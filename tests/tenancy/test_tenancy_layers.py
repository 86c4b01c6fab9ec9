"""The three tenancy layers, each tested on its own: ORM scoping, the database's row-level
security as the app role, and same-shop composite foreign keys."""

import psycopg2
import pytest
from django.conf import settings
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from crm.models import ApiKey, AuditEvent, Membership
from crm.shops.services import api_key_create
from crm.tenancy.context import ShopScopeError, current_shop_id, shop_scope
from customers.models import Customer
from tests.conftest import make_shop, signed_setting_sql


def _key(shop, name="storefront"):
    with shop_scope(shop.pk):
        return api_key_create(shop=shop, name=name)[0]


def test_default_manager_raises_outside_a_shop_scope(shop):
    with pytest.raises(ShopScopeError):
        list(ApiKey.objects.all())


def test_orm_under_shop_a_never_returns_shop_b_rows(shop, other_shop):
    _key(shop, "a-key")
    _key(other_shop, "b-key")
    with shop_scope(shop.pk):
        assert list(ApiKey.objects.values_list("name", flat=True)) == ["a-key"]
        assert {event.shop_id for event in AuditEvent.objects.all()} == {shop.pk}
        # Even an explicit filter on B's id finds nothing: RLS refuses B's rows.
        assert not ApiKey.all_shops.filter(shop=other_shop).exists()


def test_nested_scopes_restore_the_outer_shop(shop, other_shop):
    with shop_scope(shop.pk):
        with shop_scope(other_shop.pk):
            assert current_shop_id() == other_shop.pk
        assert current_shop_id() == shop.pk
        assert Membership.objects.get().shop_id == shop.pk
    assert current_shop_id() is None


def test_scope_rejects_invalid_shop_ids():
    for bad in (None, 0, -1, "1", True):
        with pytest.raises(ShopScopeError), shop_scope(bad):
            pass


def test_insert_for_another_shop_is_refused_by_the_database(shop, other_shop):
    with shop_scope(shop.pk), pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
        ApiKey.all_shops.create(shop=other_shop, name="sneaky", prefix="abcdef123456", key_hash="x" * 64)


def test_update_cannot_move_a_row_into_another_shop(shop, other_shop):
    key = _key(shop)
    with shop_scope(shop.pk), pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
        ApiKey.objects.filter(pk=key.pk).update(shop=other_shop)


def test_composite_foreign_key_refuses_a_reference_into_another_shop(shop, other_shop):
    other_key = _key(other_shop)
    with shop_scope(shop.pk), pytest.raises(IntegrityError, match="same_shop"), transaction.atomic():
        AuditEvent.objects.create(shop=shop, action="probe", actor_api_key_id=other_key.pk)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _app_connection():
    db = settings.DATABASES["default"]
    return psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"]
    )


def _count(cursor, table: str) -> int:
    cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
    return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_raw_sql_as_app_role_sees_only_the_set_shop_and_nothing_without_a_setting():
    shop_a, shop_b = make_shop("raw-a", "a@raw.example"), make_shop("raw-b", "b@raw.example")
    _key(shop_a, "a")
    _key(shop_b, "b")
    fresh = _app_connection()
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            assert cursor.fetchone()[1:] == (False, False)
            assert _count(cursor, "crm_apikey") == 0  # fresh connection, no setting: no rows
            cursor.execute(*signed_setting_sql("app.shop_id", str(shop_a.pk)))
            cursor.execute("SELECT DISTINCT shop_id FROM crm_apikey")
            assert cursor.fetchall() == [(shop_a.pk,)]
            cursor.execute("SELECT count(*) FROM crm_membership WHERE shop_id = %s", [shop_b.pk])
            assert cursor.fetchone()[0] == 0
        fresh.commit()
        with fresh.cursor() as cursor:  # the same, reused connection after the transaction
            assert _count(cursor, "crm_apikey") == 0
            assert _count(cursor, "crm_auditevent") == 0
            cursor.execute("SELECT set_config('app.shop_id', '', false)")  # an emptied setting
            assert _count(cursor, "crm_apikey") == 0
    finally:
        fresh.close()


@pytest.mark.django_db(transaction=True)
def test_an_api_requests_shop_setting_ends_with_its_transaction():
    """The API's scope (savepoint=False) leaves `app.shop_id` to the request's transaction:
    once the request is over, the same pooled connection sees no shop's rows."""
    shop_a = make_shop("pool-a", "a@pool.example")
    with shop_scope(shop_a.pk):
        _, raw_key = api_key_create(shop=shop_a, name="storefront")
    client = APIClient()
    assert client.get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.shop_id', true)")
        assert cursor.fetchone()[0] in ("", None)
        assert _count(cursor, "crm_apikey") == 0


def test_save_never_sets_shop_id_and_names_the_row_by_shop_and_id(shop):
    """Citus refuses an UPDATE that sets the distribution column, and routes one by it."""
    key = _key(shop)
    with shop_scope(shop.pk), CaptureQueriesContext(connection) as queries:
        key.name = "renamed"
        key.save()
    (update,) = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("UPDATE")]
    assignments, condition = update.split(" WHERE ")
    assert '"shop_id"' not in assignments
    assert f'"crm_apikey"."shop_id" = {shop.pk}' in condition


def test_joins_between_tenant_tables_match_shop_id(shop):
    """Forward and reverse joins along a TenantForeignKey carry shop_id (Citus co-location)."""
    with shop_scope(shop.pk):
        forward = str(AuditEvent.objects.select_related("actor_api_key").query)
        reverse = str(Customer.objects.filter(customer_tags__tag__name="vip").query)
    assert '"crm_apikey"."shop_id" = ("crm_auditevent"."shop_id")' in forward
    assert '"customers_customer"."shop_id" = ("customers_customertag"."shop_id")' in reverse
    assert '"customers_tag"."shop_id" = ("customers_customertag"."shop_id")' in reverse
