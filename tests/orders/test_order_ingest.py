from decimal import Decimal

from customers.models import Customer
from orders.models import Order, OrderLine, OrderStatusChange
from orders.services import order_upsert, orders_ingest_bulk
from tests.orders.payloads import ISSUE_ORDER, order_payload


def test_issue_order_upserts_once(in_shop):
    order, created = order_upsert(shop=in_shop, data=ISSUE_ORDER)
    again, created_again = order_upsert(shop=in_shop, data=ISSUE_ORDER)

    assert (created, created_again) == (True, False)
    assert again.pk == order.pk
    assert order.total == Decimal("98.00")
    assert Order.objects.count() == 1
    assert OrderLine.objects.get().line_total == Decimal("98.00")
    assert OrderStatusChange.objects.count() == 1
    customer = Customer.objects.get()
    assert (customer.phone, customer.orders_count, customer.total_spent) == ("+8613800138000", 1, Decimal("98.00"))


def test_bulk_mixed(in_shop):
    results = orders_ingest_bulk(shop=in_shop, items=[order_payload("A1"), order_payload("A2", total="1.00")])
    assert [r["result"] for r in results] == ["created", "error"]


def test_new_customer_of_a_bulk_batch_has_the_stats_of_its_counted_orders(in_shop):
    items = [
        order_payload("N1", placed_at="2026-10-01T10:00:00+08:00"),
        order_payload(
            "N2", status="pending", placed_at="2026-09-01T10:00:00+08:00", total="8.00", subtotal="8.00", lines=[]
        ),  # fmt: skip
        order_payload("N3", status="completed", placed_at="2026-10-03T10:00:00+08:00"),
        order_payload("N4", status="cancelled", placed_at="2026-10-09T10:00:00+08:00"),
    ]

    orders_ingest_bulk(shop=in_shop, items=items)

    customer = Customer.objects.get()
    assert (customer.orders_count, customer.total_spent) == (2, Decimal("196.00"))
    assert customer.first_order_at == Order.objects.get(external_id="N1").placed_at
    assert customer.last_order_at == Order.objects.get(external_id="N3").placed_at


def test_order_moved_to_a_new_customer_moves_its_stats(in_shop):
    orders_ingest_bulk(shop=in_shop, items=[order_payload("M1"), order_payload("M2")])
    moved = order_payload("M2", customer={"external_id": "U99", "phone": "13900139000"})

    orders_ingest_bulk(shop=in_shop, items=[moved])

    stats = dict(Customer.objects.values_list("phone", "orders_count"))
    assert stats == {"+8613800138000": 1, "+8613900139000": 1}


def test_new_orders_of_an_existing_customer_add_to_its_stats(in_shop):
    orders_ingest_bulk(shop=in_shop, items=[order_payload("E1", placed_at="2026-10-05T10:00:00+08:00")])
    later = [
        order_payload("E2", placed_at="2026-09-01T10:00:00+08:00", total="8.00", subtotal="8.00", lines=[]),
        order_payload("E3", status="pending", placed_at="2026-08-01T10:00:00+08:00"),
        order_payload("E4", status="completed", placed_at="2026-10-20T10:00:00+08:00"),
    ]

    orders_ingest_bulk(shop=in_shop, items=later)
    orders_ingest_bulk(shop=in_shop, items=later)  # a replay adds nothing

    customer = Customer.objects.get()
    assert (customer.orders_count, customer.total_spent) == (3, Decimal("204.00"))
    assert customer.first_order_at == Order.objects.get(external_id="E2").placed_at
    assert customer.last_order_at == Order.objects.get(external_id="E4").placed_at
