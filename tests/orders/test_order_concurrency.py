"""Concurrency claims, with real threads and committed data."""

from decimal import Decimal

import pytest

from crm.tenancy.context import shop_scope
from orders.models import Order, OrderStatusChange, Refund
from orders.services import RefundInvalid, order_upsert, orders_ingest_bulk, refund_create
from tests.concurrency import run_in_threads
from tests.conftest import make_shop
from tests.orders.payloads import ISSUE_ORDER, order_for_customer

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_never_exceed_the_order_total():
    shop = make_shop("orders-refund-race", "owner@orders-refund-race.example")
    with shop_scope(shop.pk):
        order, _ = order_upsert(shop=shop, data=ISSUE_ORDER)

    def refund(index: int) -> bool:
        try:
            with shop_scope(shop.pk):
                refund_create(shop=shop, order_id=order.pk, data={"amount": "30.00"})
            return True
        except RefundInvalid:
            return False

    outcomes = run_in_threads(refund, THREADS)

    assert outcomes.count(True) == 3  # 3 × 30 <= 98 < 4 × 30
    with shop_scope(shop.pk):
        assert sum(refund.amount for refund in Refund.objects.all()) == Decimal("90.00")
        assert Order.objects.get().status == "partially_refunded"


@pytest.mark.django_db(transaction=True)
def test_concurrent_bulk_batches_of_the_same_orders_write_each_once():
    shop = make_shop("orders-bulk-race", "owner@orders-bulk-race.example")
    items = [order_for_customer(f"R{n:02d}", f"U{n % 7}", f"1380000{n % 7:04d}") for n in range(30)]

    def ingest(index: int) -> list[str]:
        batch = items[index % 5 :] + items[: index % 5]  # different item orders per thread
        with shop_scope(shop.pk):
            return [result["result"] for result in orders_ingest_bulk(shop=shop, items=batch)]

    results = run_in_threads(ingest, THREADS)

    assert sum(outcome.count("created") for outcome in results) == 30
    assert all(set(outcome) <= {"created", "unchanged"} for outcome in results)
    with shop_scope(shop.pk):
        assert Order.objects.count() == 30
        assert OrderStatusChange.objects.count() == 30
