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
