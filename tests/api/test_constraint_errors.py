"""A write that a database constraint refuses answers 409 in the API's error shape, on plain
PostgreSQL and on Citus alike, and leaves nothing written: the same-shop foreign keys are
checked at the end of each statement, not at commit (where Citus reports a failed worker
connection and the response would already be decided)."""

from django.db import connection, transaction
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from crm.shops.services import api_key_create
from crm.tenancy.api import ShopScopedApi
from crm.tenancy.context import shop_scope
from customers.models import CustomerNote
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
