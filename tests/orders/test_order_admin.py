"""The managers' admin: own shop's orders only, read-only, status actions via the service."""

import pytest

from crm.tenancy.context import shop_scope
from orders.models import Order, OrderStatusChange
from orders.services import order_upsert
from tests.orders.payloads import order_for_customer


@pytest.fixture
def own_order(shop):
    with shop_scope(shop.pk):
        return order_upsert(shop=shop, data=order_for_customer("OWN-1", "U1", "13800000001"))[0]


@pytest.fixture
def foreign_order(other_shop):
    with shop_scope(other_shop.pk):
        return order_upsert(shop=other_shop, data=order_for_customer("FOREIGN-1", "U9", "13800000009"))[0]


def test_manager_sees_only_own_orders_and_changes_status_through_the_service(client, manager, shop, own_order,
                                                                             foreign_order):  # fmt: skip
    client.force_login(manager)

    listing = client.get("/admin/orders/order/").content.decode()
    assert "OWN-1" in listing and "FOREIGN-1" not in listing
    assert client.get(f"/admin/orders/order/{own_order.pk}/change/").status_code == 200
    assert client.get(f"/admin/orders/order/{foreign_order.pk}/change/").status_code in (302, 404)
    for page in ("refund", "importjob"):
        assert client.get(f"/admin/orders/{page}/").status_code == 200, page

    selected = [own_order.pk, foreign_order.pk]
    response = client.post("/admin/orders/order/", {"action": "mark_shipped", "_selected_action": selected})

    assert response.status_code == 302
    with shop_scope(shop.pk):
        assert Order.objects.get().status == "shipped"
        assert OrderStatusChange.objects.filter(source="staff").count() == 1
    with shop_scope(foreign_order.shop_id):
        assert Order.objects.get().status == "paid"
