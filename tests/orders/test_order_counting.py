"""Which orders count: one rule (OrderStatus.counted() and refunds), the same in the
customer's stats and in the scoring summary."""

from decimal import Decimal

from django.utils import timezone

from crm.tenancy.context import shop_scope
from customers.models import Customer
from insights.services.summary import customer_summary_fetch
from orders.services import order_upsert, refund_create
from tests.orders.payloads import order_payload

STATUSES = ["pending", "paid", "shipped", "delivered", "completed", "cancelled", "refunded", "partially_refunded"]


def _order(shop, external_id, status, day, total="100.00"):
    payload = order_payload(
        external_id, status=status, placed_at=f"2026-10-{day:02d}T10:00:00+08:00", total=total, subtotal=total, lines=[]
    )
    return order_upsert(shop=shop, data=payload)[0]


def test_stats_and_the_scoring_summary_count_the_same_orders_at_the_same_value(shop):
    with shop_scope(shop.pk):
        for day, status in enumerate(STATUSES, start=1):
            _order(shop, f"S-{status}", status, day)  # "refunded" arrives without refund rows
        partly = _order(shop, "P1", "paid", 20)
        refund_create(shop=shop, order_id=partly.pk, data={"amount": "30.00"})
        fully = _order(shop, "P2", "completed", 21)
        refund_create(shop=shop, order_id=fully.pk, data={"amount": "100.00"})
        customer = Customer.objects.get()
        summary = customer_summary_fetch(shop=shop, as_of=timezone.localdate(timezone=shop.tzinfo)).iloc[0]

    # Counted: paid, shipped, delivered, completed, partially_refunded, and P1 (net 70.00);
    # not pending, cancelled, refunded (rows or not).
    assert customer.orders_count == 6 == summary.frequency
    assert (customer.total_spent, customer.refunds_count, customer.refunded_amount) == (
        Decimal("600.00"),
        1,
        Decimal("30.00"),
    )
    assert customer.total_spent - customer.refunded_amount == Decimal(str(summary.monetary)) == Decimal("570")
    assert customer.first_order_at.day == 2 and customer.last_order_at.day == 20


def test_a_status_leaving_the_counted_set_takes_the_order_out_of_the_stats(shop):
    with shop_scope(shop.pk):
        order = _order(shop, "X1", "pending", 1)
        assert Customer.objects.get().orders_count == 0
        order_upsert(shop=shop, data=order_payload("X1", status="paid", placed_at="2026-10-01T10:00:00+08:00",
                                                   total="100.00", subtotal="100.00", lines=[]))  # fmt: skip
        assert Customer.objects.get().orders_count == 1
        refund_create(shop=shop, order_id=order.pk, data={"amount": "100.00"})
        customer = Customer.objects.get()
    assert (customer.orders_count, customer.total_spent, customer.refunded_amount) == (0, 0, 0)
