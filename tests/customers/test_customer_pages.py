from django.test import Client
from django.urls import reverse

from crm.tenancy.context import shop_scope
from customers.models import Customer, CustomerConsent, CustomerNote, CustomerTag
from customers.services import customers_tag
from orders.services import order_upsert
from tests.conftest import make_user
from tests.customers.factories import CustomerFactory
from tests.orders.payloads import order_payload


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, shop, **kwargs) -> str:
    return reverse(f"customers:{name}", kwargs={"shop_slug": shop.slug, **kwargs})


def test_list_page_shows_search_filters_tags_and_next_link(shop, staff_client, customer, tag):
    with shop_scope(shop.pk):
        customers_tag(shop=shop, tag=tag, customer_ids=[customer.pk])
        CustomerFactory.create_batch(55, shop=shop)
    page = staff_client.get(url("list", shop))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'rel="next"' in html and "export.csv" in html and 'name="customer_ids"' in html
    found = staff_client.get(url("list", shop), {"q": "王芳", "tag": tag.pk}).content.decode()
    assert "王芳" in found and "--tag: #dc2626" in found
    bad = staff_client.get(url("list", shop), {"total_spent__gte": "lots"})
    assert bad.status_code == 200 and "total_spent__gte" in bad.content.decode()


def test_list_page_in_chinese(shop, staff_client, customer):
    html = staff_client.get(url("list", shop), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "王芳" in html


def test_bulk_tag_from_the_list(shop, staff_client, tag):
    with shop_scope(shop.pk):
        ids = [item.pk for item in CustomerFactory.create_batch(3, shop=shop)]
    response = staff_client.post(url("bulk-tag", shop), {"tag_id": tag.pk, "customer_ids": ids[:2], "action": "add"})
    assert response.status_code == 302
    with shop_scope(shop.pk):
        assert set(CustomerTag.objects.values_list("customer_id", flat=True)) == set(ids[:2])


def test_detail_page_and_htmx_parts(shop, agent, customer, tag):
    client = login(agent)
    page = client.get(url("detail", shop, customer_id=customer.pk))
    assert page.status_code == 200 and "王芳" in page.content.decode()
    assert url("erase", shop, customer_id=customer.pk) not in page.content.decode()  # agents do not see erase
    note = client.post(url("note-add", shop, customer_id=customer.pk), {"body": "喜欢绿茶"}, HTTP_HX_REQUEST="true")
    assert note.status_code == 200 and "喜欢绿茶" in note.content.decode()
    assert client.post(url("note-add", shop, customer_id=customer.pk), {"body": " "}).status_code == 400
    assert client.post(url("note-add", shop, customer_id=customer.pk), {"body": "a\x00"}).status_code == 400
    tags = client.post(url("tags", shop, customer_id=customer.pk), {"tag_id": tag.pk})
    assert "VIP" in tags.content.decode()
    consent = client.post(url("consent", shop, customer_id=customer.pk),
                          {"channel": "sms", "purpose": "care", "is_granted": "true"})  # fmt: skip
    assert consent.status_code == 200
    with shop_scope(shop.pk):
        assert CustomerNote.objects.get().author_id == agent.pk
        assert CustomerConsent.objects.get().is_granted
        assert CustomerTag.objects.get().set_by_user_id == agent.pk


def test_agent_cannot_merge_export_or_erase_pages(shop, agent, customer):
    client = login(agent)
    with shop_scope(shop.pk):
        duplicate = CustomerFactory(shop=shop)
    assert client.post(url("merge", shop, customer_id=customer.pk), {"duplicate_id": duplicate.pk}).status_code == 403
    assert client.get(url("export", shop, customer_id=customer.pk)).status_code == 403
    assert client.post(url("erase", shop, customer_id=customer.pk), {"confirm": "erase"}).status_code == 403
    with shop_scope(shop.pk):
        customer.refresh_from_db()
        assert customer.erased_at is None and not Customer.objects.filter(merged_into__isnull=False).exists()


def test_manager_merges_exports_and_erases_from_the_page(shop, manager, customer):
    client = login(manager)
    with shop_scope(shop.pk):
        duplicate = CustomerFactory(shop=shop, name="王芳", city=customer.city, email=None, phone=None)
    detail = client.get(url("detail", shop, customer_id=customer.pk)).content.decode()
    assert f'value="{duplicate.pk}"' in detail  # offered as a duplicate (same name and city)
    assert client.post(url("merge", shop, customer_id=customer.pk), {"duplicate_id": duplicate.pk}).status_code == 302
    export = client.get(url("export", shop, customer_id=customer.pk))
    assert export["Content-Type"].startswith("application/json") and "王芳" in export.content.decode()
    assert client.get(url("erase", shop, customer_id=customer.pk)).status_code == 200
    client.post(url("erase", shop, customer_id=customer.pk), {"confirm": "no"})
    with shop_scope(shop.pk):
        customer.refresh_from_db()
        assert customer.erased_at is None
    client.post(url("erase", shop, customer_id=customer.pk), {"confirm": "erase"})
    with shop_scope(shop.pk):
        customer.refresh_from_db()
        assert customer.erased_at is not None and customer.phone is None


def test_csv_export_page_streams_filtered_rows(shop, staff_client, customer):
    response = staff_client.get(url("export-csv", shop), {"q": "王芳"})
    assert "王芳" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_pages_of_another_shops_customer_are_404(shop, other_shop, customer, other_customer, tag):
    owner = make_user("owner@tea.example")
    client = login(owner)
    for name in ("detail", "erase", "export"):
        assert client.get(url(name, shop, customer_id=other_customer.pk)).status_code == 404
    for name, data in (("note-add", {"body": "x"}), ("tags", {"tag_id": tag.pk}), ("merge", {"duplicate_id": 1})):
        assert client.post(url(name, shop, customer_id=other_customer.pk), data).status_code == 404
    intruder = login(make_user("owner@bike.example"))
    assert intruder.get(url("detail", shop, customer_id=customer.pk)).status_code == 404
    assert intruder.get(url("list", shop)).status_code == 404
    with shop_scope(other_shop.pk):
        assert not CustomerNote.objects.exists()


def test_the_360_page_lists_the_customers_orders_with_links(shop, staff_client):
    with shop_scope(shop.pk):
        order, _ = order_upsert(shop=shop, data=order_payload("A-360", customer={"phone": "13800138000"}))

    html = staff_client.get(url("detail", shop, customer_id=order.customer_id)).content.decode()

    order_url = reverse("orders:detail", kwargs={"shop_slug": shop.slug, "key": "A-360"})
    assert f'<a href="{order_url}">A-360</a>' in html


def test_bulk_csv_export_is_for_managers_and_up(shop, agent, manager, customer, api, admin_api):
    agents_list = login(agent).get(url("list", shop)).content.decode()
    assert url("export-csv", shop) not in agents_list
    assert login(agent).get(url("export-csv", shop)).status_code == 403
    agent_api = Client()
    agent_api.force_login(agent)
    assert agent_api.get(f"/api/v1/s/{shop.slug}/customers/export.csv").status_code == 403
    assert api.get("/api/v1/customers/export.csv").status_code == 403  # a storefront key
    response = login(manager).get(url("export-csv", shop))
    assert "王芳" in b"".join(response.streaming_content).decode("utf-8-sig")
    assert admin_api.get("/api/v1/customers/export.csv").status_code == 200
