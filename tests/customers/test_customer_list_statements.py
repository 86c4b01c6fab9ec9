"""The plain customers list runs as a prepared statement with PostgreSQL's generic plan
(customers/selectors/list_statements.py): pages stay right for every ordering and bound, the
statement is prepared once per connection, and the generic-plan setting ends with the page."""

from datetime import timedelta

from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from crm.tenancy.context import shop_scope
from customers.models import Customer
from customers.selectors import ORDERINGS, customer_list
from tests.customers.factories import CustomerFactory


def _pages(shop, ordering: str, size: int) -> list[int]:
    ids, cursor = [], None
    while True:
        page = customer_list(shop=shop, params=QueryDict(""), cursor=cursor, size=size, ordering=ordering)
        ids += [row["id"] for row in page.rows]
        if not page.next_cursor:
            return ids
        cursor = page.next_cursor


def test_prepared_pages_match_the_orm_order_for_every_ordering(shop):
    now = timezone.now()
    with shop_scope(shop.pk):
        customers = CustomerFactory.create_batch(9, shop=shop)
        for index, customer in enumerate(customers[:6]):
            Customer.objects.filter(pk=customer.pk).update(
                last_order_at=now - timedelta(days=index % 2), total_spent=index % 3, orders_count=2**31 - 1 - index % 2
            )
        for ordering, order in ORDERINGS.items():
            expected = Customer.objects.order_by(
                *(() if order.field == "id" else (f"-{order.field}",)), "-pk"
            ).values_list("pk", flat=True)
            if order.nullable:
                expected = expected.filter(**{f"{order.field}__isnull": False})
                expected = [*expected, *Customer.objects.filter(**{f"{order.field}__isnull": True}).order_by("-pk")
                            .values_list("pk", flat=True)]  # fmt: skip
            assert _pages(shop, ordering, 2) == list(expected), ordering


def _prepared_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'customer_page_%'")
        return cursor.fetchone()[0]


def test_a_page_is_prepared_once_per_connection_and_leaves_planning_as_it_was(shop):
    with shop_scope(shop.pk):
        CustomerFactory.create_batch(3, shop=shop)
        before = _prepared_count()
        for cursor in (None, None, "WzEsIDFd"):  # the first page twice, then a deep one ([1, 1])
            customer_list(
                shop=shop, params=QueryDict(""), cursor=cursor, size=2, ordering="-orders_count", as_json=True
            )
        # On Citus the page runs as a plain statement (it cannot plan a generic plan there).
        assert _prepared_count() == before + (0 if connection.is_citus else 1)
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            assert cursor.fetchone()[0] == "auto"
