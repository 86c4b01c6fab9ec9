"""What staff do on an order's page: change its status within the rules, refund it whole or
by line with a reason, and add notes; which roles may; other shops' orders stay out of reach."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Role
from crm.tenancy.context import shop_scope
from customers.models import Customer
from orders.models import Order, OrderNote, Refund
from orders.services import order_upsert
from tests.conftest import make_user
from tests.orders.payloads import ISSUE_ORDER, order_payload

TWO_LINES = [
    {"sku": "SKU-1", "name": "保温杯", "quantity": 2, "unit_price": "49.00"},
    {"sku": "SKU-2", "name": "茶叶罐", "quantity": 1, "unit_price": "30.00"},
]


@pytest.fixture
def order(shop):
    with shop_scope(shop.pk):
        payload = order_payload("B2002", lines=TWO_LINES, subtotal="128.00", total="128.00")
        return order_upsert(shop=shop, data=payload)[0]


def url(shop, name, order):
    return reverse(f"orders:{name}", kwargs={"shop_slug": shop.slug, "key": order.pk})


def reload(shop, order) -> Order:
    with shop_scope(shop.pk):
        return Order.objects.get(pk=order.pk)


def test_status_changes_only_along_the_rules(staff_client, shop, order):
    page = staff_client.get(url(shop, "detail", order))
    assert [value for value, _ in page.context["next_statuses"]] == ["shipped", "completed", "cancelled"]

    response = staff_client.post(url(shop, "status", order), {"status": "shipped"}, follow=True)
    assert reload(shop, order).status == "shipped"
    assert "The order is now Shipped." in response.content.decode()

    refused = staff_client.post(url(shop, "status", order), {"status": "pending"}, follow=True)
    assert reload(shop, order).status == "shipped"
    assert "cannot go from" in refused.content.decode()


def test_whole_refund_with_reason_refunds_what_is_left(staff_client, shop, order):
    response = staff_client.post(url(shop, "refund", order), {"amount": "", "reason": "客户拒收"})

    assert response.status_code == 302
    with shop_scope(shop.pk):
        refund = Refund.objects.get(order_id=order.pk)
        assert (refund.amount, refund.reason) == (Decimal("128.00"), "客户拒收")
        # A wholly refunded order no longer counts as a purchase (OrderStatus.counted()).
        customer = Customer.objects.get(pk=order.customer_id)
        assert (customer.orders_count, customer.total_spent) == (0, Decimal("0"))
    assert reload(shop, order).status == "refunded"
    page = staff_client.get(url(shop, "detail", order))
    assert page.context["can_refund"] is False and "客户拒收" in page.content.decode()


def test_refund_by_line_takes_the_lines_value(staff_client, shop, order):
    staff_client.post(url(shop, "refund", order), {"line-0": "1", "line-1": "0", "reason": "破损"})

    with shop_scope(shop.pk):
        refund = Refund.objects.prefetch_related("lines").get(order_id=order.pk)
        assert refund.amount == Decimal("49.00")
        assert [(line.sku, line.quantity) for line in refund.lines.all()] == [("SKU-1", 1)]
    assert reload(shop, order).status == "partially_refunded"


def test_wrong_refund_values_are_shown_on_their_fields_and_nothing_is_written(staff_client, shop, order):
    response = staff_client.post(url(shop, "refund", order), {"amount": "500", "line-1": "3", "reason": "x"})

    assert response.status_code == 400
    errors = response.context["refund_errors"]
    assert "Exceeds the refundable amount" in errors["amount"][0]
    assert errors["line-1"] == ["Must be between 1 and the quantity ordered."]
    html = response.content.decode()
    assert 'value="500"' in html and 'name="line-1" value="3"' in html
    with shop_scope(shop.pk):
        assert not Refund.objects.exists()


def test_notes_are_added_newest_first_and_blank_ones_refused(staff_client, shop, order):
    staff_client.post(url(shop, "note-add", order), {"body": "快递说周三到"})
    staff_client.post(url(shop, "note-add", order), {"body": "客户要求改地址"})
    refused = staff_client.post(url(shop, "note-add", order), {"body": "   "}, follow=True)

    assert "The note was not saved" in refused.content.decode()
    html = staff_client.get(url(shop, "detail", order)).content.decode()
    assert html.index("客户要求改地址") < html.index("快递说周三到")


def test_agents_add_notes_but_cannot_change_status_or_refund(client, shop, order):
    client.force_login(make_user("agent@tea.example", Role.AGENT, shop))

    page = client.get(url(shop, "detail", order))
    assert page.context["next_statuses"] == [] and page.context["can_refund"] is False
    assert client.post(url(shop, "status", order), {"status": "shipped"}).status_code == 403
    assert client.post(url(shop, "refund", order), {"reason": "x"}).status_code == 403
    assert client.post(url(shop, "note-add", order), {"body": "已联系"}).status_code == 302
    assert reload(shop, order).status == "paid"


def test_other_shops_staff_cannot_act_on_the_order(client, shop, other_shop, order):
    client.force_login(make_user("owner@bike.example"))

    for name, data in [("status", {"status": "shipped"}), ("refund", {"reason": "x"}), ("note-add", {"body": "x"})]:
        assert client.post(url(shop, name, order), data).status_code == 404, name
        assert client.post(url(other_shop, name, order), data).status_code == 404, name
    with shop_scope(shop.pk):
        assert reload(shop, order).status == "paid"
        assert not Refund.objects.exists() and not OrderNote.objects.exists()


def test_orders_list_finds_orders_by_customer_name_phone_or_storefront_id(staff_client, shop, order):
    with shop_scope(shop.pk):
        other = order_payload("C3003", customer={"external_id": "U88", "name": "李雷", "phone": "13900001111"})
        order_upsert(shop=shop, data=other)
    list_url = reverse("orders:list", kwargs={"shop_slug": shop.slug})

    for search in ("王芳", "13800138000", "U77"):
        page = staff_client.get(list_url, {"customer_search": search})
        assert [o.external_id for o in page.context["orders"]] == ["B2002"], search
    page = staff_client.get(list_url)
    customer_url = reverse("customers:detail", kwargs={"shop_slug": shop.slug, "customer_id": order.customer_id})
    assert f'href="{customer_url}"' in page.content.decode()
    assert ISSUE_ORDER["customer"]["name"] in page.content.decode()


def test_all_orders_of_a_customer_are_paged_from_their_page(staff_client, shop, order, monkeypatch):
    monkeypatch.setattr("orders.views.listing.PAGE_SIZE", 1)
    with shop_scope(shop.pk):
        order_upsert(shop=shop, data=order_payload("B2003", placed_at="2026-11-02T10:00:00+08:00"))
    list_url = reverse("orders:list", kwargs={"shop_slug": shop.slug})

    first = staff_client.get(list_url, {"customer": order.customer_id})
    second = staff_client.get(list_url + first.context["next_url"])

    assert [o.external_id for o in first.context["orders"] + second.context["orders"]] == ["B2003", "B2002"]
    assert "The orders of 王芳, newest first." in first.content.decode()
