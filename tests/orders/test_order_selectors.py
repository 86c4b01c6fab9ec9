"""What orders/ offers other apps: customer summaries, timelines, export and erasure."""

from decimal import Decimal

from crm.tenancy.context import shop_scope
from customers.models import Customer
from orders.models import Order, Refund
from orders.selectors import order_list_for_customer, orders_for_customer_export
from orders.services import order_personal_data_erase, order_status_change, order_upsert, refund_create
from tests.orders.payloads import order_payload

RECIPIENT = {"recipient_name": "王芳", "recipient_phone": "13800138000", "shipping_address": "西湖区文三路 1 号"}


def _seed(shop):
    first, _ = order_upsert(shop=shop, data=order_payload("S1", placed_at="2026-10-01T10:00:00+08:00", **RECIPIENT))
    order_upsert(shop=shop, data=order_payload("S2", placed_at="2026-10-05T10:00:00+08:00"))
    order_upsert(shop=shop, data=order_payload("S3", status="pending", placed_at="2026-10-06T10:00:00+08:00"))
    refund_create(shop=shop, order_id=first.pk, data={"amount": "18.00", "reason": "王芳说少了一件"})
    return first.customer_id


def test_denormalized_customer_stats_count_qualifying_orders_and_refunds(in_shop):
    customer = Customer.objects.get(pk=_seed(in_shop))

    assert customer.orders_count == 2  # the pending order does not count
    assert customer.total_spent == Decimal("196.00")
    assert customer.average_order_value == Decimal("98.00")
    assert (customer.refunds_count, customer.refunded_amount) == (1, Decimal("18.00"))
    assert customer.last_order_at == Order.objects.get(external_id="S2").placed_at


def test_timeline_is_newest_first_and_limited(in_shop):
    customer_id = _seed(in_shop)

    timeline = order_list_for_customer(shop=in_shop, customer_id=customer_id, limit=2)

    assert [order.external_id for order in timeline] == ["S3", "S2"]
    assert timeline[0].lines.all()[0].sku == "SKU-1"


def test_export_holds_everything_about_the_customer(in_shop):
    customer_id = _seed(in_shop)
    order_status_change(shop=in_shop, order_id=Order.objects.get(external_id="S2").pk, status="shipped")

    exported = orders_for_customer_export(shop=in_shop, customer=Customer.objects.get(pk=customer_id))

    assert [order["external_id"] for order in exported] == ["S1", "S2", "S3"]
    assert exported[0]["recipient_name"] == "王芳"
    assert exported[0]["refunds"][0]["amount"] == "18.00"
    assert [change["to_status"] for change in exported[1]["status_history"]] == ["paid", "shipped"]


def test_erase_blanks_personal_fields_and_a_replay_does_not_bring_them_back(in_shop):
    customer_id = _seed(in_shop)

    touched = order_personal_data_erase(shop=in_shop, customer_ids=[customer_id])
    replay = order_upsert(shop=in_shop, data=order_payload("S1", placed_at="2026-10-01T10:00:00+08:00", **RECIPIENT))

    assert touched == 3
    order = Order.objects.get(external_id="S1")
    assert (order.recipient_name, order.recipient_phone, order.shipping_address) == ("", "", "")
    assert order.total == Decimal("98.00")
    assert Refund.objects.get().reason == ""
    assert replay[1] is False


def test_erase_leaves_other_shops_alone(shop, other_shop):
    with shop_scope(other_shop.pk):
        order_upsert(shop=other_shop, data=order_payload("X1", **RECIPIENT))
    with shop_scope(shop.pk):
        customer_id = _seed(shop)
        order_personal_data_erase(shop=shop, customer_ids=[customer_id])
    with shop_scope(other_shop.pk):
        assert Order.objects.get().recipient_name == "王芳"
