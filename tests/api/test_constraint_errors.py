"""A write that a database constraint refuses answers 409 in the API's error shape, on plain
PostgreSQL and on Citus alike, and leaves nothing written: the same-shop foreign keys are
checked at the end of each statement, not at commit (where Citus reports a failed worker
connection and the response would already be decided)."""

import threading
import time

import pytest
from django.db import connection, transaction
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from crm.shops.services import api_key_create
from crm.tenancy.api import ShopScopedApi
from crm.tenancy.context import shop_scope
from customers.models import Customer, CustomerNote
from tests.customers.factories import CustomerFactory


class NoteIntoAnotherShop(ShopScopedApi):
    """Writes a note whose customer id a bug took from another shop."""

    customer_id = None

    def post(self, request):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO customers_customernote (shop_id, customer_id, body, created_at) "
                "VALUES (%s, %s, 'x', now())",
                [self.shop.pk, self.customer_id],
            )
        return Response({"ok": True}, status=201)


def test_a_reference_into_another_shop_is_a_409_and_writes_nothing(shop, other_shop):
    with shop_scope(other_shop.pk):
        theirs = CustomerFactory(shop=other_shop)
    with shop_scope(shop.pk):
        _, raw_key = api_key_create(shop=shop, name="storefront")
    request = APIRequestFactory().post("/api/v1/probe/", {}, format="json", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    with transaction.atomic():  # the request's transaction (ATOMIC_REQUESTS)
        response = NoteIntoAnotherShop.as_view(customer_id=theirs.pk)(request)
    assert response.status_code == 409
    assert response.data["code"] == "conflict"
    with shop_scope(shop.pk):
        assert not CustomerNote.objects.exists()
    with shop_scope(other_shop.pk):
        assert not CustomerNote.objects.exists()


class RenameTwo(ShopScopedApi):
    """Renames customer `first` and then `second`, locking each in turn."""

    first = second = None
    first_locked = second_held = None

    def post(self, request):
        Customer.objects.filter(pk=self.first).update(name="renamed")
        self.first_locked.set()
        self.second_held.wait(10)
        Customer.objects.filter(pk=self.second).update(name="renamed")
        return Response({"ok": True}, status=200)


@pytest.mark.django_db(transaction=True)
def test_a_request_that_loses_a_deadlock_is_a_409_and_writes_nothing(shop):
    # PostgreSQL aborts the transaction that waited first; on Citus two requests' shard writes
    # meet the same way as a distributed deadlock. Either way the loser answers 409, not 500.
    with shop_scope(shop.pk):
        first, second = CustomerFactory(shop=shop, name="一"), CustomerFactory(shop=shop, name="二")
        _, raw_key = api_key_create(shop=shop, name="storefront")
    first_locked, second_held = threading.Event(), threading.Event()

    def rival() -> None:  # holds `second`, then wants `first` once the request waits for `second`
        try:
            with shop_scope(shop.pk), transaction.atomic():
                Customer.objects.filter(pk=second.pk).update(name="rival")
                second_held.set()
                first_locked.wait(10)
                time.sleep(0.3)
                Customer.objects.filter(pk=first.pk).update(name="rival")
        finally:
            connection.close()

    thread = threading.Thread(target=rival)
    thread.start()
    # The rival's transaction starts first: PostgreSQL aborts the one that waited first and
    # Citus the youngest, and both are then the request's.
    assert second_held.wait(10)
    request = APIRequestFactory().post("/api/v1/probe/", {}, format="json", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    view = RenameTwo.as_view(first=first.pk, second=second.pk, first_locked=first_locked, second_held=second_held)
    with transaction.atomic():  # the request's transaction (ATOMIC_REQUESTS)
        response = view(request)
    thread.join(30)

    assert (response.status_code, response.data["code"]) == (409, "conflict")
    with shop_scope(shop.pk):
        assert set(Customer.objects.values_list("name", flat=True)) == {
            "rival"
        }  # the rival's writes, none of the request's
