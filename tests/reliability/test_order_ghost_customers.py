"""Parallel first orders of one new storefront customer known only by its storefront id
(no phone, no email) end in exactly one customer (issue 17, item 3)."""

import pytest

from crm.tenancy.context import shop_scope
from customers.models import Customer
from orders.models import Order
from tests.concurrency import run_in_threads
from tests.conftest import make_shop
from tests.orders.payloads import order_payload
from tests.reliability.storefront import storefront_call, storefront_key

THREADS = 20
ROUNDS = 3


@pytest.mark.django_db(transaction=True)
def test_parallel_orders_of_a_new_customer_known_by_storefront_id_create_one_customer(live_server):
    shop = make_shop("ghost-customers", "owner@ghost-customers.example")
    key = storefront_key(shop)

    for round_number in range(ROUNDS):
        customer = {"external_id": f"NEW-{round_number}", "name": "新客"}

        def post(index: int, customer=customer, round_number=round_number) -> int:
            payload = order_payload(f"G{round_number}-{index}", customer=customer)
            return storefront_call(live_server.url, key, "POST", "/api/v1/orders/", payload)[0]

        assert run_in_threads(post, THREADS) == [201] * THREADS

    with shop_scope(shop.pk):
        customers = list(Customer.objects.order_by("pk").values_list("orders_count", "total_spent"))
        assert Order.objects.count() == THREADS * ROUNDS
        assert len(set(Order.objects.values_list("customer_id", flat=True))) == ROUNDS
    assert customers == [(THREADS, 98 * THREADS)] * ROUNDS
