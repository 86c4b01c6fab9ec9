"""Races against a live server with real threads released together: parallel spends of one
balance, and the same orders written concurrently."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.tenancy.context import shop_scope
from loyalty.models import EntryKind, LedgerEntry
from loyalty.services import loyalty_settle
from tests.concurrency import run_in_threads
from tests.conftest import make_shop
from tests.loyalty.conftest import customer_of, paid_order, program_on
from tests.orders.payloads import order_for_customer
from tests.reliability.storefront import storefront_call, storefront_key


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_spends_of_a_balance_of_100_let_exactly_one_through(live_server):
    shop = make_shop("loyalty-spend-race", "owner@loyalty-spend-race.example")
    program_on(shop)
    customer = customer_of(shop, paid_order(shop, "E1", "100.00"))
    with shop_scope(shop.pk):
        loyalty_settle(shop=shop, at=timezone.now() + timedelta(days=8))
    key = storefront_key(shop)

    def spend(index: int) -> int:
        body = {
            "customer": {"external_id": "U1", "phone": "13800000001"},
            "points": 100,
            "order_external_id": f"R{index}",
        }
        return storefront_call(live_server.url, key, "POST", "/api/v1/loyalty/redeem", body)[0]

    statuses = run_in_threads(spend, 20)

    assert sorted(statuses) == [201] + [409] * 19
    with shop_scope(shop.pk):
        assert LedgerEntry.objects.filter(kind=EntryKind.REDEEM).count() == 1
        assert sum(LedgerEntry.objects.filter(customer_id=customer.pk).values_list("points", flat=True)) == 0


@pytest.mark.django_db(transaction=True)
def test_the_same_orders_written_concurrently_earn_once_each(live_server):
    shop = make_shop("loyalty-earn-race", "owner@loyalty-earn-race.example")
    program_on(shop)
    key = storefront_key(shop)
    orders = [order_for_customer(f"E{n:02d}", f"U{n % 4}", f"1380000{n % 4:04d}", status="paid") for n in range(24)]

    def post(index: int) -> int:
        if index % 2:  # half replay the batch, half send the orders one by one
            return storefront_call(live_server.url, key, "POST", "/api/v1/orders/bulk/", {"orders": orders})[0]
        statuses = {storefront_call(live_server.url, key, "POST", "/api/v1/orders/", order)[0] for order in orders}
        return 200 if statuses <= {200, 201} else max(statuses)

    assert set(run_in_threads(post, 8)) == {200}

    with shop_scope(shop.pk):
        earns = LedgerEntry.objects.filter(kind=EntryKind.EARN)
        assert earns.count() == 24
        assert sorted(set(earns.values_list("points", flat=True))) == [98]
