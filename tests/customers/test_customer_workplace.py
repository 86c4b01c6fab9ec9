"""The customer jobs staff do in the browser: create a customer, edit a profile with the
reasons of a refusal on the field, manage tags, tag every customer a filter matches, sort
and count the list, and read a customer's whole history from the 360."""

from django.urls import reverse

from crm.models import Role
from crm.tenancy.context import shop_scope
from customers.models import Customer, CustomerTag, Tag
from customers.services import customer_consent_set, customers_tag
from orders.services import order_upsert, refund_create
from tests.conftest import make_user
from tests.customers.factories import CustomerFactory
from tests.orders.payloads import order_payload


def url(name: str, shop, **kwargs) -> str:
    return reverse(f"customers:{name}", kwargs={"shop_slug": shop.slug, **kwargs})


def test_staff_create_a_customer_and_a_known_person_is_not_duplicated(shop, client, customer):
    client.force_login(make_user("agent@tea.example", Role.AGENT, shop))

    created = client.post(url("create", shop), {"name": "赵敏", "phone": "139 0000 1234", "gender": "female",
                                                "source_channel": "staff"})  # fmt: skip
    known = client.post(url("create", shop), {"name": "芳", "phone": "13800138000", "gender": "unknown",
                                              "source_channel": "phone"})  # fmt: skip

    with shop_scope(shop.pk):
        new = Customer.objects.get(name="赵敏")
        assert (new.phone, new.gender) == ("+8613900001234", "female")
        assert Customer.objects.count() == 2
    assert created["Location"] == url("detail", shop, customer_id=new.pk)
    assert known["Location"] == url("detail", shop, customer_id=customer.pk)


def test_create_refuses_an_empty_form_and_a_bad_phone_on_its_field(shop, staff_client):
    empty = staff_client.post(url("create", shop), {"gender": "unknown", "source_channel": "staff"})
    bad_phone = staff_client.post(url("create", shop), {"name": "x", "phone": "12", "gender": "unknown",
                                                        "source_channel": "staff"})  # fmt: skip

    assert empty.status_code == bad_phone.status_code == 400
    assert empty.context["form"].non_field_errors() == ["Give at least a name, a phone or an email."]
    assert bad_phone.context["form"].errors["phone"]
    with shop_scope(shop.pk):
        assert not Customer.objects.exists()


def test_edit_shows_field_errors_and_writes_nothing_until_valid(shop, staff_client, customer):
    with shop_scope(shop.pk):
        CustomerFactory(shop=shop, phone="+8613900139000")
    form = {"name": "王芳芳", "phone": "13900139000", "email": "wf@example.com", "gender": "female"}

    taken = staff_client.post(url("edit", shop, customer_id=customer.pk), form)
    assert taken.status_code == 400
    assert taken.context["form"].errors["phone"] == ["Another customer already has this."]
    assert "Another customer already has this." in taken.content.decode() and "{'phone'" not in taken.content.decode()
    with shop_scope(shop.pk):
        assert Customer.objects.get(pk=customer.pk).name == "王芳"

    saved = staff_client.post(url("edit", shop, customer_id=customer.pk), {**form, "phone": "13800138000"})
    assert saved.status_code == 302
    with shop_scope(shop.pk):
        customer.refresh_from_db()
        assert (customer.name, customer.gender, customer.phone) == ("王芳芳", "female", "+8613800138000")


def test_managers_create_and_rename_tags_agents_are_refused(shop, staff_client, client, tag):
    staff_client.post(url("tag-list", shop), {"name": "回头客", "color": "#16a34a"})
    renamed = staff_client.post(url("tag-list", shop), {"tag_id": tag.pk, f"tag-{tag.pk}-name": "大客户",
                                                        f"tag-{tag.pk}-color": "#7c3aed"})  # fmt: skip
    clash = staff_client.post(url("tag-list", shop), {"name": "回头客", "color": "#16a34a"})

    assert renamed.status_code == 302
    assert clash.status_code == 400 and clash.context["form"].errors["name"] == ["A tag with this name exists."]
    with shop_scope(shop.pk):
        assert sorted(Tag.objects.values_list("name", "color")) == [("回头客", "#16a34a"), ("大客户", "#7c3aed")]
    client.force_login(make_user("agent@tea.example", Role.AGENT, shop))
    refused = client.get(url("tag-list", shop))
    assert refused.status_code == 403 and "<html" in refused.content.decode()


def test_tag_every_customer_the_filter_matches_across_pages(shop, staff_client, tag, monkeypatch):
    monkeypatch.setattr("customers.views.listing.DEFAULT_PAGE_SIZE", 2)
    with shop_scope(shop.pk):
        matching = [c.pk for c in CustomerFactory.create_batch(5, shop=shop, city="苏州")]
        CustomerFactory.create_batch(2, shop=shop, city="杭州")

    page = staff_client.get(url("list", shop), {"city": "苏州"})
    assert page.context["result_count"] == 5 and page.context["can_tag_all_matching"]
    assert "5 customers" in page.content.decode()
    staff_client.post(url("bulk-tag", shop), {"tag_id": tag.pk, "matching": "1", "return_query": "city=苏州",
                                              "action": "add"})  # fmt: skip

    with shop_scope(shop.pk):
        assert sorted(CustomerTag.objects.values_list("customer_id", flat=True)) == sorted(matching)


def test_list_sorts_by_spend_and_groups_phones(shop, staff_client, customer):
    with shop_scope(shop.pk):
        big = CustomerFactory(shop=shop, phone="+8615000780617")
        Customer.objects.filter(pk=big.pk).update(total_spent=63088)

    page = staff_client.get(url("list", shop), {"ordering": "-total_spent"})

    assert [row["id"] for row in page.context["customers"]][:1] == [big.pk]
    html = page.content.decode()
    assert "+86 150 0078 0617" in html and "63,088.00" in html and 'aria-sort="descending"' in html


def test_360_lists_refunds_links_all_orders_and_dates_the_customer_from_the_first_order(shop, staff_client):
    with shop_scope(shop.pk):
        order, _ = order_upsert(shop=shop, data=order_payload("A1", placed_at="2025-03-08T10:00:00+08:00"))
        refund_create(shop=shop, order_id=order.pk, data={"amount": "10.00", "reason": "少发一件"})
        customer_id = order.customer_id

    page = staff_client.get(url("detail", shop, customer_id=customer_id))

    html = page.content.decode()
    assert "Customer since 2025-03-08" in html
    assert "少发一件" in html and "10.00 CNY" in html
    assert f"?customer={customer_id}" in html


def test_other_shops_staff_get_404_on_the_new_pages(shop, other_shop, client, customer, tag):
    client.force_login(make_user("owner@bike.example"))

    assert client.get(url("edit", shop, customer_id=customer.pk)).status_code == 404
    assert client.post(url("edit", other_shop, customer_id=customer.pk), {"name": "x"}).status_code == 404
    assert client.post(url("tag-list", other_shop), {"tag_id": tag.pk, f"tag-{tag.pk}-name": "x",
                                                     f"tag-{tag.pk}-color": "#2563eb"}).status_code == 404  # fmt: skip
    with shop_scope(shop.pk):
        assert Customer.objects.get(pk=customer.pk).name == "王芳" and Tag.objects.get(pk=tag.pk).name == "VIP"


def test_the_360_names_where_a_consent_and_a_tag_came_from_in_chinese(shop, staff_client, customer, tag):
    with shop_scope(shop.pk):
        customer_consent_set(shop=shop, customer=customer, channel="sms", purpose="care", is_granted=True,
                             source="checkout")  # fmt: skip
        customers_tag(shop=shop, tag=tag, customer_ids=[customer.pk], source="demo")

    html = staff_client.get(url("detail", shop, customer_id=customer.pk), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "下单时 ·" in html.content.decode() and "演示数据" in html.content.decode()
