"""Concurrency claims, with real threads and committed data."""

from decimal import Decimal

import pytest
from django.db.models import Count, Max, Min, Sum

from crm.tenancy.context import shop_scope
from customers.models import Customer
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


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_of_new_orders_for_the_same_customers_all_count_in_their_stats():
    shop = make_shop("orders-stats-race", "owner@orders-stats-race.example")
    customers = [(f"U{n}", f"1380000{n:04d}") for n in range(7)]
    with shop_scope(shop.pk):
        orders_ingest_bulk(
            shop=shop, items=[order_for_customer(f"S{n}", *customer) for n, customer in enumerate(customers)]
        )

    def ingest(index: int) -> None:
        days = [f"2026-10-{index + n + 1:02d}T10:00:00+08:00" for n in range(10)]
        batch = [order_for_customer(f"T{index}-{n}", *customers[(index + n) % 7], placed_at=days[n]) for n in range(10)]
        with shop_scope(shop.pk):
            orders_ingest_bulk(shop=shop, items=batch)

    run_in_threads(ingest, THREADS)

    with shop_scope(shop.pk):
        expected = {
            row["customer_id"]: (row["count"], row["spent"], row["first"], row["last"])
            for row in Order.objects.values("customer_id").annotate(
                count=Count("id"), spent=Sum("total"), first=Min("placed_at"), last=Max("placed_at")
            )
        }
        stats = {
            customer.pk: (customer.orders_count, customer.total_spent, customer.first_order_at, customer.last_order_at)
            for customer in Customer.objects.all()
        }
    assert sum(count for count, *_ in stats.values()) == 7 + THREADS * 10
    assert stats == expected
