"""Status history under concurrent writes of the same orders (issue 17, item 4): however
requests interleave, each history row starts where the previous one ended, the last one
ends at the order's status, and a new order has exactly one initial row."""

import pytest

from crm.tenancy.context import shop_scope
from orders.models import Order, OrderStatusChange
from tests.concurrency import run_in_threads
from tests.conftest import make_shop
from tests.orders.payloads import order_for_customer, order_payload
from tests.reliability.storefront import storefront_call, storefront_key

# Statuses an upsert may reach in some order; each thread sends one, so some are refused.
STATUSES = ["pending", "paid", "shipped", "delivered", "completed", "paid", "shipped", "delivered", "pending", "paid"]
ROUNDS = 3


def _histories(shop) -> dict[int, list[tuple[str, str]]]:
    histories: dict[int, list[tuple[str, str]]] = {}
    with shop_scope(shop.pk):
        for order_id, from_status, to_status in OrderStatusChange.objects.order_by("id").values_list(
            "order_id", "from_status", "to_status"
        ):
            histories.setdefault(order_id, []).append((from_status, to_status))
    return histories


def _assert_chains(shop) -> None:
    histories = _histories(shop)
    with shop_scope(shop.pk):
        statuses = dict(Order.objects.values_list("pk", "status"))
    assert set(histories) == set(statuses)
    for order_id, rows in histories.items():
        assert rows[0][0] == ""
        assert all(later[0] == earlier[1] for earlier, later in zip(rows, rows[1:], strict=False))
        assert rows[-1][1] == statuses[order_id]


@pytest.mark.django_db(transaction=True)
def test_parallel_upserts_of_one_order_keep_its_history_a_chain(live_server):
    shop = make_shop("history-race", "owner@history-race.example")
    key = storefront_key(shop)

    for round_number in range(ROUNDS):

        def post(index: int, round_number=round_number) -> int:
            payload = order_payload(f"H{round_number}", status=STATUSES[index])
            return storefront_call(live_server.url, key, "POST", "/api/v1/orders/", payload)[0]

        assert set(run_in_threads(post, len(STATUSES))) <= {200, 201, 409}

    _assert_chains(shop)


@pytest.mark.django_db(transaction=True)
def test_overlapping_bulk_batches_write_one_initial_row_per_new_order(live_server):
    shop = make_shop("history-bulk-race", "owner@history-bulk-race.example")
    key = storefront_key(shop)
    customers = [(f"U{n:02d}", f"1380000{n:04d}") for n in range(60)]
    known = [order_for_customer(f"K{n:02d}", *customer) for n, customer in enumerate(customers)]
    assert storefront_call(live_server.url, key, "POST", "/api/v1/orders/bulk/", {"orders": known})[0] == 200

    def post(index: int) -> int:
        # The same 60 new orders of known customers in every batch, in another status each.
        items = [
            order_for_customer(f"B{n:02d}", *customer, status=STATUSES[index]) for n, customer in enumerate(customers)
        ]
        return storefront_call(live_server.url, key, "POST", "/api/v1/orders/bulk/", {"orders": items})[0]

    assert run_in_threads(post, 8) == [200] * 8

    histories = _histories(shop)
    assert len(histories) == 120
    assert all(sum(1 for from_status, _ in rows if from_status == "") == 1 for rows in histories.values())
    _assert_chains(shop)
