"""The tenant context cannot be forged by SQL run as the app role (a leaked database URL, an
injection): the policies accept a shop only with a signature made with a key that the app
role cannot read."""

import time

import pytest
from django.db import connection, transaction

from crm.tenancy.context import setting_signature, shop_scope
from tests.conftest import make_shop, signed_setting_sql
from tests.tenancy.test_tenancy_layers import _app_connection, _count, _key


@pytest.fixture
def two_shops_with_keys(transactional_db):
    shop_a, shop_b = make_shop("ctx-a", "a@ctx.example"), make_shop("ctx-b", "b@ctx.example")
    _key(shop_a, "a")
    _key(shop_b, "b")
    return shop_a, shop_b


@pytest.fixture
def app_cursor():
    fresh = _app_connection()
    try:
        with fresh.cursor() as cursor:
            yield cursor
    finally:
        fresh.rollback()
        fresh.close()


def test_a_signed_shop_sees_its_rows(two_shops_with_keys, app_cursor):
    shop_a, _ = two_shops_with_keys
    app_cursor.execute(*signed_setting_sql("app.shop_id", str(shop_a.pk)))
    app_cursor.execute("SELECT DISTINCT shop_id FROM crm_apikey")
    assert app_cursor.fetchall() == [(shop_a.pk,)]


def test_a_shop_set_without_a_signature_sees_and_writes_nothing(two_shops_with_keys, app_cursor):
    _, shop_b = two_shops_with_keys
    app_cursor.execute("SET LOCAL app.shop_id = %s", [str(shop_b.pk)])
    assert _count(app_cursor, "crm_apikey") == 0
    with pytest.raises(Exception, match="row-level security"):
        app_cursor.execute(
            "INSERT INTO crm_auditevent (shop_id, action, object_type, object_id, changes, request_id, created_at) "
            "VALUES (%s, 'forged', '', '', '{}', '', now())",
            [shop_b.pk],
        )


def test_another_shops_id_under_a_valid_signature_sees_nothing(two_shops_with_keys, app_cursor):
    shop_a, shop_b = two_shops_with_keys
    _, (_, signature_of_a) = signed_setting_sql("app.shop_id", str(shop_a.pk))
    app_cursor.execute("SET LOCAL app.shop_id = %s; SET LOCAL app.shop_id_mac = %s", [str(shop_b.pk), signature_of_a])
    assert _count(app_cursor, "crm_apikey") == 0


def test_an_expired_or_garbled_signature_sees_nothing(two_shops_with_keys, app_cursor):
    shop_a, _ = two_shops_with_keys
    app_cursor.execute(*signed_setting_sql("app.shop_id", str(shop_a.pk), expires_in=-5))
    assert _count(app_cursor, "crm_apikey") == 0
    for garbage in ("", "x", "99999999999999999999.zz", f"{int(time.time()) + 60}.{'0' * 64}"):
        app_cursor.execute("SET LOCAL app.shop_id = %s; SET LOCAL app.shop_id_mac = %s", [str(shop_a.pk), garbage])
        assert _count(app_cursor, "crm_apikey") == 0


def test_the_app_role_cannot_read_or_replace_the_key(two_shops_with_keys, app_cursor):
    with pytest.raises(Exception, match="permission denied"):
        app_cursor.execute("SELECT inner_pad FROM crm_tenant_context_key")
    app_cursor.connection.rollback()
    with pytest.raises(Exception, match="permission denied"):
        app_cursor.execute("UPDATE crm_tenant_context_key SET inner_pad = '', outer_pad = ''")


def test_a_user_lookup_needs_a_signature_too(two_shops_with_keys, app_cursor):
    app_cursor.execute("SELECT id FROM crm_user WHERE email = 'a@ctx.example'")
    (user_id,) = app_cursor.fetchone()
    app_cursor.execute("SET LOCAL app.user_id = %s", [str(user_id)])
    assert _count(app_cursor, "crm_membership") == 0
    app_cursor.execute(*signed_setting_sql("app.user_id", str(user_id)))
    assert _count(app_cursor, "crm_membership") == 1


def test_the_scope_signs_with_the_key_the_database_holds(shop):
    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute("SELECT crm_current_shop_id()")
        assert cursor.fetchone()[0] == shop.pk
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT crm_current_shop_id()")
        assert cursor.fetchone()[0] is None
    assert setting_signature("app.shop_id", "1", 10) != setting_signature("app.shop_id", "2", 10)
