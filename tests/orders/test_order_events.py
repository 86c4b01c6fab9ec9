"""Order-change events: every write path calls each registered handler once per batch,
inside its transaction, and a handler's error rolls the write back."""

from decimal import Decimal

import pytest

from crm.tenancy.context import shop_scope
from customers.models import Customer
from orders.events import ORDER_CHANGE_HANDLERS
from orders.models import Order, OrderStatusChange, Refund
from orders.services import imports, order_status_change, order_upsert, orders_ingest_bulk, refund_create
from tests.orders.csv_files import ROWS, csv_write
from tests.orders.payloads import order_for_customer, order_payload


class Boom(Exception):
    pass


def _raise(shop, changes):
    raise Boom


@pytest.fixture
def calls(monkeypatch):
    """Each handler call: its changes as (order external id, from, to, refund amount,
    source), read back through the transaction the handler runs in, and their customers."""
    seen = []

    def handler(shop, changes):
        ids = dict(
            Order.objects.filter(pk__in=[change.order_id for change in changes]).values_list("pk", "external_id")
        )
        seen.append(
            {
                "changes": [
                    (ids[change.order_id], change.from_status, change.to_status, change.refund_amount, change.source)
                    for change in changes
                ],
                "customers": {change.customer_id for change in changes},
            }
        )

    monkeypatch.setitem(ORDER_CHANGE_HANDLERS, "test", handler)
    return seen


@pytest.fixture
def failing(monkeypatch):
    monkeypatch.setitem(ORDER_CHANGE_HANDLERS, "test", _raise)


def test_a_single_upsert_calls_once_per_write_with_the_statuses(shop, calls):
    with shop_scope(shop.pk):
        order, _ = order_upsert(shop=shop, data=order_payload("E1", status="paid"))
        order_upsert(shop=shop, data=order_payload("E1", status="paid"))  # identical replay: no change
        order_upsert(shop=shop, data=order_payload("E1", status="shipped"))

    assert [call["changes"] for call in calls] == [
        [("E1", "", "paid", Decimal("0"), "api")],
        [("E1", "paid", "shipped", Decimal("0"), "api")],
    ]
    assert calls[0]["customers"] == {order.customer_id}


def test_a_bulk_batch_calls_once_for_all_its_orders(shop, calls):
    items = [order_for_customer(f"B{n}", f"U{n % 3}", f"1380000{n % 3:04d}", status="pending") for n in range(6)]
    with shop_scope(shop.pk):
        orders_ingest_bulk(shop=shop, items=items)
        items[0]["status"], items[1]["status"] = "paid", "cancelled"
        orders_ingest_bulk(shop=shop, items=items)

    assert len(calls) == 2
    assert sorted(calls[0]["changes"]) == [(f"B{n}", "", "pending", Decimal("0"), "api") for n in range(6)]
    assert sorted(calls[1]["changes"]) == [
        ("B0", "pending", "paid", Decimal("0"), "api"),
        ("B1", "pending", "cancelled", Decimal("0"), "api"),
    ]


@pytest.mark.parametrize(("batch_size", "batches"), [(1000, 1), (1, 2)])
def test_a_csv_import_calls_once_per_batch(shop, calls, tmp_path, monkeypatch, batch_size, batches):
    monkeypatch.setattr(imports, "MAX_BATCH", batch_size)
    with shop_scope(shop.pk):
        imports.orders_import_file(shop=shop, path=csv_write(tmp_path / "orders.csv", ROWS))

    assert len(calls) == batches
    assert sorted(change for call in calls for change in call["changes"]) == [
        ("C1", "", "paid", Decimal("0"), "import"),
        ("C2", "", "completed", Decimal("0"), "import"),
    ]


def test_a_status_change_and_a_refund_each_call_once(shop, calls):
    with shop_scope(shop.pk):
        order, _ = order_upsert(shop=shop, data=order_payload("S1", status="paid"))
        order_status_change(shop=shop, order_id=order.pk, status="shipped")
        refund_create(shop=shop, order_id=order.pk, data={"amount": "10.00"})
        refund_create(shop=shop, order_id=order.pk, data={"amount": "88.00"})

    assert [call["changes"] for call in calls[1:]] == [
        [("S1", "paid", "shipped", Decimal("0"), "staff")],
        [("S1", "shipped", "partially_refunded", Decimal("10.00"), "refund")],
        [("S1", "partially_refunded", "refunded", Decimal("88.00"), "refund")],
    ]


def test_a_failing_handler_rolls_back_an_upsert_and_a_bulk_batch(shop, failing):
    with shop_scope(shop.pk):
        with pytest.raises(Boom):
            order_upsert(shop=shop, data=order_payload("F1"))
        with pytest.raises(Boom):
            orders_ingest_bulk(shop=shop, items=[order_payload("F2"), order_payload("F3")])
        assert not Order.objects.exists()
        assert not OrderStatusChange.objects.exists()
        assert not Customer.objects.exists()


def test_a_failing_handler_rolls_back_an_import(shop, failing, tmp_path):
    with shop_scope(shop.pk):
        with pytest.raises(Boom):
            imports.orders_import_file(shop=shop, path=csv_write(tmp_path / "orders.csv", ROWS))
        assert not Order.objects.exists()


def test_a_failing_handler_rolls_back_a_status_change_and_a_refund(shop, monkeypatch):
    with shop_scope(shop.pk):
        order, _ = order_upsert(shop=shop, data=order_payload("F4", status="paid"))
        monkeypatch.setitem(ORDER_CHANGE_HANDLERS, "test", _raise)
        with pytest.raises(Boom):
            order_status_change(shop=shop, order_id=order.pk, status="shipped")
        with pytest.raises(Boom):
            refund_create(shop=shop, order_id=order.pk, data={"amount": "10.00"})
        order.refresh_from_db()
        assert order.status == "paid"
        assert list(OrderStatusChange.objects.values_list("to_status", flat=True)) == ["paid"]
        assert not Refund.objects.exists()
        assert Customer.objects.get().orders_count == 1
