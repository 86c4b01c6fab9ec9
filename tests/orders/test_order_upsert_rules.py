"""What an upsert may change: status moves (never back), storefront versions, the
customer's region, and who a status change is recorded as."""

import pytest
from django.urls import reverse

from crm.tenancy.context import shop_scope
from customers.models import Customer
from customers.services import customer_update
from orders.models import Order, OrderStatusChange
from orders.services import OrderStateError, order_upsert, orders_ingest_bulk
from tests.orders.payloads import order_payload

LIST = reverse("api:orders-list")


def _status(shop, external_id="A1001"):
    with shop_scope(shop.pk):
        return Order.objects.get(external_id=external_id).status


def test_an_upsert_may_not_move_a_status_back(shop, api):
    assert api.post(LIST, order_payload(status="completed"), format="json").status_code == 201

    response = api.post(LIST, order_payload(status="pending"), format="json")

    assert response.status_code == 409
    assert "completed" in response.json()["detail"] and "pending" in response.json()["detail"]
    with shop_scope(shop.pk):
        [result] = orders_ingest_bulk(shop=shop, items=[order_payload(status="paid")])
        with pytest.raises(OrderStateError):
            order_upsert(shop=shop, data=order_payload(status="shipped", total="98.00"))
    assert (result["result"], result["field"]) == ("error", "status")
    assert _status(shop) == "completed"


def test_a_refused_or_stale_payload_creates_no_customer(shop):
    stranger = {"external_id": "U-NEW", "name": "陌生人"}
    with shop_scope(shop.pk):
        order_upsert(shop=shop, data=order_payload(status="completed", updated_at="2026-11-02T10:00:00+08:00"))
        stale = order_payload(status="completed", updated_at="2026-11-01T10:00:00+08:00", customer=stranger)
        orders_ingest_bulk(shop=shop, items=[order_payload(status="pending", customer=stranger), stale])
        with pytest.raises(OrderStateError):
            order_upsert(shop=shop, data=order_payload(status="paid", customer=stranger))
        order_upsert(shop=shop, data=stale)
        assert list(Customer.objects.values_list("orders_count", flat=True)) == [1]


@pytest.mark.parametrize(("first", "then"), [("pending", "delivered"), ("paid", "refunded"), ("shipped", "completed")])
def test_an_upsert_may_skip_steps_forward_and_report_a_storefront_refund(shop, first, then):
    with shop_scope(shop.pk):
        order_upsert(shop=shop, data=order_payload(status=first))
        order_upsert(shop=shop, data=order_payload(status=then))
        history = list(OrderStatusChange.objects.order_by("id").values_list("from_status", "to_status"))
    assert history == [("", first), (first, then)]


def test_a_payload_older_than_the_stored_one_is_ignored(shop):
    newer = order_payload(status="shipped", updated_at="2026-11-02T10:00:00+08:00")
    older = order_payload(status="shipped", updated_at="2026-11-01T12:00:00+08:00", shipping_city="杭州")
    latest = order_payload(status="delivered", updated_at="2026-11-03T10:00:00+08:00")
    with shop_scope(shop.pk):
        order_upsert(shop=shop, data=newer)
        [late] = orders_ingest_bulk(shop=shop, items=[older])
        assert late["result"] == "unchanged"
        assert Order.objects.get().shipping_city == ""
        [result] = orders_ingest_bulk(shop=shop, items=[latest])
        order = Order.objects.get()
    assert result["result"] == "updated" and order.status == "delivered"
    assert order.storefront_updated_at.isoformat() == "2026-11-03T02:00:00+00:00"


def test_the_customer_region_follows_the_latest_order_until_edited_by_hand(shop):
    def ship(external_id, day, province, city):
        order_upsert(shop=shop, data=order_payload(external_id, placed_at=f"2026-10-{day:02d}T10:00:00+08:00",
                                                   shipping_province=province, shipping_city=city))  # fmt: skip
        customer = Customer.objects.get()
        return customer.province, customer.city

    with shop_scope(shop.pk):
        assert ship("R1", 10, "浙江省", "杭州市") == ("浙江省", "杭州市")
        assert ship("R2", 20, "广东省", "深圳市") == ("广东省", "深圳市")
        assert ship("R3", 5, "江苏省", "南京市") == ("广东省", "深圳市")  # an older order
        customer_update(shop=shop, customer=Customer.objects.get(), data={"city": "广州市"})
        assert ship("R4", 25, "北京市", "北京市") == ("广东省", "广州市")


def test_a_status_changed_with_a_storefront_key_is_recorded_as_that_key(shop, api, staff_client):
    api.post(LIST, order_payload(status="paid"), format="json")

    response = api.patch(reverse("api:orders-detail", kwargs={"key": "A1001"}), {"status": "shipped"}, format="json")

    assert response.json()["status_history"][-1] == {
        "from_status": "paid",
        "to_status": "shipped",
        "source": "api",
        "api_key": "storefront",
        "changed_at": response.json()["status_history"][-1]["changed_at"],
    }
    page = staff_client.get(reverse("orders:detail", kwargs={"shop_slug": shop.slug, "key": "A1001"}))
    assert "Storefront API · storefront" in page.content.decode()
    assert "Staff" not in page.content.decode().split("Status history")[1].split("Refunds")[0]
