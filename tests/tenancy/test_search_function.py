"""The customer search function is the one piece of SQL that bypasses row-level security
(customers/migrations/0006_substring_search.py, 0007, 0013). It must return only the ids of the
shop in the transaction's verified setting, nothing without one or for another shop, see the
transaction's own writes, and stay as narrow as it was built."""

import pytest
from django.db import connection

from crm.tenancy.context import current_shop_id, shop_scope
from customers.models import Customer
from customers.selectors.search import MAX_ID
from tests.customers.factories import CustomerFactory

SEARCH_ROLE = "shopcrm_search"
RECENT_ROWS = 5000  # customers/migrations/0007_search_in_two_steps.py


def search_ids(query: str, *, is_phone: bool = False, shop_id: int | None = None) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM customer_search_ids(%s, %s, %s, %s, 100) AS found(id)",
            [shop_id or current_shop_id(), query, is_phone, MAX_ID],
        )
        return {row[0] for row in cursor.fetchall()}


def test_returns_only_the_scoped_shops_ids_and_nothing_without_a_shop(shop, other_shop):
    with shop_scope(shop.pk):
        mine = CustomerFactory(shop=shop, name="Ada Lovelace", phone="+8613812345678", email="ada@example.com")
    with shop_scope(other_shop.pk):
        theirs = CustomerFactory(shop=other_shop, name="Ada Lovelace", phone="+8613812345679", email="ada@example.com")
    with shop_scope(shop.pk):
        assert search_ids("lovelace") == {mine.pk}
        assert search_ids("example") == {mine.pk}
        assert search_ids("1234567", is_phone=True) == {mine.pk}
        assert search_ids("12345679", is_phone=True) == set()  # the other shop's phone
        # Defence in depth: the other shop's id, even if named, is not readable here.
        assert not Customer.objects.filter(pk=theirs.pk).exists()
    with shop_scope(other_shop.pk):
        assert search_ids("lovelace") == {theirs.pk}
    assert search_ids("lovelace", shop_id=shop.pk) == set()  # no shop in the transaction
    with shop_scope(shop.pk):
        # Naming another shop than the transaction's finds nothing, nor does forging the setting.
        assert search_ids("lovelace", shop_id=other_shop.pk) == set()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL app.shop_id = %s", [str(other_shop.pk)])
        assert search_ids("lovelace", shop_id=other_shop.pk) == set()


def test_finds_a_customer_written_earlier_in_the_same_transaction(shop):
    with shop_scope(shop.pk):
        CustomerFactory(shop=shop, name="Grace Hopper")
        new = Customer.objects.create(shop=shop, name="Grace Brewster")
        assert search_ids("brewster") == {new.pk}


@pytest.mark.django_db
def test_function_is_a_narrow_security_definer():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.prosecdef, p.proconfig, r.rolname, r.rolcanlogin, r.rolsuper, r.rolbypassrls, "
            "  has_function_privilege(current_user, p.oid, 'EXECUTE'), "
            "  EXISTS (SELECT 1 FROM aclexplode(p.proacl) AS acl WHERE acl.grantee = 0) "
            "FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner WHERE p.proname = 'customer_search_ids'"
        )
        definer, config, owner, can_login, superuser, bypass, app_may_execute, public_may_execute = cursor.fetchone()
        assert definer and "search_path=pg_catalog, public, pg_temp" in config
        assert (owner, can_login, superuser, bypass) == (SEARCH_ROLE, False, False, True)
        assert app_may_execute and not public_may_execute
        # The owner reads a few columns of one table and nothing else (the catalogs, as the
        # information_schema views hide other roles' grants).
        cursor.execute(
            "SELECT count(*) FROM pg_class c, aclexplode(c.relacl) AS acl WHERE acl.grantee = %s::regrole",
            [SEARCH_ROLE],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT a.attrelid::regclass::text, a.attname, acl.privilege_type "
            "FROM pg_attribute a, aclexplode(a.attacl) AS acl WHERE acl.grantee = %s::regrole ORDER BY a.attname",
            [SEARCH_ROLE],
        )
        assert cursor.fetchall() == [
            ("customers_customer", column, "SELECT")
            for column in ("email", "id", "merged_into_id", "name", "phone", "shop_id")
        ]
        cursor.execute("SELECT has_schema_privilege(%s, 'public', 'CREATE')", [SEARCH_ROLE])
        assert cursor.fetchone()[0] is False
        # The app role cannot become it.
        cursor.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [SEARCH_ROLE])
        assert cursor.fetchone()[0] is False


@pytest.mark.django_db
def test_database_finds_trigrams_in_chinese_text():
    """With LC_CTYPE C pg_trgm skips non-ASCII letters and Chinese names get no trigram
    (scripts/bootstrap.py creates the databases with C.UTF-8)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT cardinality(show_trgm('王秀英'))")
        assert cursor.fetchone()[0] > 0


def test_rare_text_beyond_the_newest_rows_comes_from_the_index_newest_first(shop):
    """More customers than the function reads before turning to the trigram index."""
    with shop_scope(shop.pk):
        old = [CustomerFactory(shop=shop, name=f"Zelda Quist {index}").pk for index in range(3)]
        Customer.objects.bulk_create(
            Customer(shop=shop, name=f"Other {index}", phone=f"+8613{index:09d}") for index in range(RECENT_ROWS)
        )
        newest = CustomerFactory(shop=shop, name="Zelda Quist new").pk
        with connection.cursor() as cursor:
            search = "SELECT id FROM customer_search_ids(%s, 'quist', false, %s, 3) AS found(id)"
            cursor.execute(search, [shop.pk, MAX_ID])
            assert [row[0] for row in cursor.fetchall()] == [newest, old[2], old[1]]
            cursor.execute(search, [shop.pk, newest])
            assert [row[0] for row in cursor.fetchall()] == old[::-1]
        assert search_ids("0004321") == set()  # a text search does not read phones
        assert len(search_ids("0004321", is_phone=True)) == 1
