from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from crm.tenancy.context import shop_scope
from customers.models import ConsentEvent, Customer, CustomerTag
from customers.services import customers_tag
from tests.conftest import make_user
from tests.customers.factories import CustomerFactory, TagFactory


def staff_api(user, shop) -> tuple[APIClient, str]:
    client = APIClient()
    client.force_login(user)
    return client, f"/api/v1/s/{shop.slug}/"


def make_customers(shop, count: int, **fields) -> list[Customer]:
    with shop_scope(shop.pk):
        return CustomerFactory.create_batch(count, shop=shop, **fields)


def all_pages(api, url: str) -> list[dict]:
    rows = []
    while url:
        body = api.get(url).json()
        rows += body["results"]
        url = body["next"]
    return rows


def test_create_201_then_known_person_200(api):
    first = api.post("/api/v1/customers/", {"name": "王芳", "phone": "13800138000", "channel": "web",
                                             "external_id": "U1"}, format="json")  # fmt: skip
    again = api.post("/api/v1/customers/", {"phone": "+86 138-0013-8000", "email": "WF@x.com"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["email"] == "wf@x.com"
    assert first.json()["channel_ids"] == [{"channel": "web", "external_id": "U1"}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"email": "nope"}, "email"),
        ({}, "phone"),
        ({"name": "x", "gender": "robot"}, "gender"),
        ({"name": "x", "birthday": "1990-13-01"}, "birthday"),
        ({"external_id": "U1"}, "channel"),
        ({"name": "x", "attributes": {"unknown": 1}}, "attributes.unknown"),
        ({"name": "x", "attributes": "flat"}, "attributes"),
    ],
)
def test_create_bad_input_is_400_naming_the_field_case(api, shop, body, field):
    response = api.post("/api/v1/customers/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    with shop_scope(shop.pk):
        assert not Customer.objects.exists()


def test_create_replays_with_idempotency_key(api, shop):
    body = {"name": "王芳", "phone": "13800138000"}
    first = api.post("/api/v1/customers/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    replay = api.post("/api/v1/customers/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()


def test_patch_edits_and_rejects_bad_values(api, customer):
    response = api.patch(f"/api/v1/customers/{customer.pk}/", {"city": "北京", "phone": "139 0013 9000"}, format="json")
    assert response.status_code == 200
    assert (response.json()["city"], response.json()["phone"]) == ("北京", "+8613900139000")
    assert api.patch(f"/api/v1/customers/{customer.pk}/", {"phone": "1"}, format="json").status_code == 400


def test_merged_customer_is_404(admin_api, shop, customer):
    with shop_scope(shop.pk):
        duplicate = CustomerFactory(shop=shop)
    merged = admin_api.post(f"/api/v1/customers/{customer.pk}/merge/", {"duplicate_id": duplicate.pk}, format="json")
    assert merged.status_code == 200
    assert admin_api.get(f"/api/v1/customers/{duplicate.pk}/").status_code == 404


def test_list_pages_by_cursor_without_gaps_or_repeats(api, shop):
    created = make_customers(shop, 23)
    rows = all_pages(api, "/api/v1/customers/?page_size=5")
    assert [row["id"] for row in rows] == sorted((item.pk for item in created), reverse=True)


@pytest.mark.parametrize("ordering", ["-last_order_at", "-total_spent", "-orders_count"])
def test_list_orderings_with_ties_and_nulls_case(api, shop, ordering):
    now = timezone.now()
    customers = make_customers(shop, 12)
    with shop_scope(shop.pk):
        for index, customer in enumerate(customers[:8]):
            Customer.objects.filter(pk=customer.pk).update(
                last_order_at=now - timedelta(days=index % 3), total_spent=Decimal(index % 3), orders_count=index % 3
            )
    rows = all_pages(api, f"/api/v1/customers/?page_size=3&ordering={ordering}")
    field = ordering[1:]
    assert len(rows) == 12 and len({row["id"] for row in rows}) == 12
    keyed = [(row[field] is not None, row[field] if row[field] is not None else "", row["id"]) for row in rows]
    if field != "last_order_at":
        keyed = [(True, Decimal(str(row[field])), row["id"]) for row in rows]
    assert keyed == sorted(keyed, reverse=True)


def test_list_rejects_bad_cursor_ordering_and_page_size(api):
    for query in ("cursor=garbage", "ordering=name", "page_size=0", "page_size=201", "total_spent__gte=x", "name=x"):
        response = api.get(f"/api/v1/customers/?{query}")
        assert response.status_code == 400, query
        assert response.json()["fields"], query


def test_filters_combine(api, shop):
    now = timezone.now()
    with shop_scope(shop.pk):
        vip = TagFactory(shop=shop, name="VIP")
        match = CustomerFactory(shop=shop, city="上海", source_channel="app")
        CustomerFactory(shop=shop, city="上海", source_channel="web")
        CustomerFactory(shop=shop, city="北京", source_channel="app")
        Customer.objects.filter(pk=match.pk).update(total_spent=500, orders_count=3, last_order_at=now)
        customers_tag(shop=shop, tag=vip, customer_ids=[match.pk])
    day = timezone.localtime(now, shop.tzinfo).date().isoformat()
    query = (f"city=上海&channel=app&tag={vip.pk}&total_spent__gte=100&total_spent__lte=600&orders_count__gte=3"
             f"&last_order_at__gte={day}&last_order_at__lte={day}")  # fmt: skip
    rows = api.get(f"/api/v1/customers/?{query}").json()["results"]
    assert [row["id"] for row in rows] == [match.pk]
    assert rows[0]["tags"] == [{"id": vip.pk, "name": "VIP", "color": vip.color}]
    assert api.get("/api/v1/customers/?city__in=上海,北京&channel=app").json()["results"].__len__() == 2


def test_searches_and_filters_are_not_served_from_the_plain_pages_statements(api, shop):
    from customers.selectors.list_statements import _STATEMENTS

    make_customers(shop, 3, city="北京")
    shanghai = make_customers(shop, 2, city="上海")
    _STATEMENTS.clear()
    assert len(api.get("/api/v1/customers/?page_size=10").json()["results"]) == 5
    assert len(_STATEMENTS) == 1
    filtered = api.get("/api/v1/customers/?page_size=10&city=上海").json()["results"]
    searched = api.get(f"/api/v1/customers/?page_size=10&q={shanghai[0].phone}").json()["results"]
    assert {row["id"] for row in filtered} == {item.pk for item in shanghai}
    assert [row["id"] for row in searched] == [shanghai[0].pk]
    assert len(_STATEMENTS) == 1


def test_list_query_count_is_flat(api, shop, django_assert_max_num_queries):
    customers = make_customers(shop, 30)
    with shop_scope(shop.pk):
        tags = TagFactory.create_batch(3, shop=shop)
        for tag in tags:
            customers_tag(shop=shop, tag=tag, customer_ids=[item.pk for item in customers])
    # 12 are the API base's (key lookup, scope, savepoints); the list itself is 2: rows, tags.
    with django_assert_max_num_queries(14):
        body = api.get("/api/v1/customers/?page_size=30&city=杭州").json()
    assert len(body["results"]) == 30 and all(len(row["tags"]) == 3 for row in body["results"])


def test_notes_list_query_count(api, shop, customer, django_assert_max_num_queries):
    for index in range(5):
        api.post(f"/api/v1/customers/{customer.pk}/notes/", {"body": f"note {index}"}, format="json")
    with django_assert_max_num_queries(15):  # 12 of the API base + customer, count, notes
        body = api.get(f"/api/v1/customers/{customer.pk}/notes/").json()
    assert [note["body"] for note in body["results"]][:2] == ["note 4", "note 3"]


def test_overview_has_stats_tags_notes_consent(api, shop, customer, tag):
    api.post(f"/api/v1/customers/{customer.pk}/tags/", {"tag_id": tag.pk}, format="json")
    api.post(f"/api/v1/customers/{customer.pk}/notes/", {"body": "likes green tea"}, format="json")
    api.post(f"/api/v1/customers/{customer.pk}/consent/",
             {"channel": "email", "purpose": "care", "is_granted": True, "source": "call"}, format="json")  # fmt: skip
    body = api.get(f"/api/v1/customers/{customer.pk}/overview/").json()
    assert body["customer"]["id"] == customer.pk
    assert body["stats"]["orders_count"] == 0 and body["stats"]["average_order_value"] is None
    assert [item["name"] for item in body["tags"]] == ["VIP"] and body["tags"][0]["source"] == "api"
    assert [note["body"] for note in body["notes"]] == ["likes green tea"]
    granted = [(item["channel"], item["purpose"]) for item in body["consent"] if item["is_granted"]]
    assert granted == [("email", "care")]


def test_consent_endpoint_validates_and_records_refusal(api, shop, customer):
    url = f"/api/v1/customers/{customer.pk}/consent/"
    assert api.post(url, {"channel": "sms", "source": "x"}, format="json").status_code == 400
    assert api.post(url, {"channel": "fax", "purpose": "care", "is_granted": True, "source": "x"},
                    format="json").status_code == 400  # fmt: skip
    refusal = {"is_automated_targeting_refused": True, "source": "app-settings"}
    assert api.post(url, refusal, format="json").status_code == 200
    with shop_scope(shop.pk):
        customer.refresh_from_db()
        assert customer.is_automated_targeting_refused
        assert not ConsentEvent.objects.exists()


def test_tags_crud_and_bulk(admin_api, shop):
    created = admin_api.post("/api/v1/tags/", {"name": "老客户", "color": "#16a34a"}, format="json")
    assert created.status_code == 201
    tag_id = created.json()["id"]
    assert admin_api.post("/api/v1/tags/", {"name": "老客户", "color": "#16a34a"}, format="json").status_code == 400
    assert admin_api.post("/api/v1/tags/", {"name": "x", "color": "green"}, format="json").status_code == 400
    ids = [item.pk for item in make_customers(shop, 3)]
    bulk = {"tag_id": tag_id, "action": "add", "customer_ids": ids}
    assert admin_api.post("/api/v1/customers/bulk-tag/", bulk, format="json").json() == {"changed": 3}
    assert admin_api.post("/api/v1/customers/bulk-tag/", bulk, format="json").json() == {"changed": 0}
    assert admin_api.post("/api/v1/customers/bulk-tag/", {**bulk, "action": "remove"}, format="json").json() == {
        "changed": 3
    }
    assert admin_api.patch(f"/api/v1/tags/{tag_id}/", {"color": "#000000"}, format="json").json()["color"] == "#000000"
    assert admin_api.get("/api/v1/tags/").json()["results"][0]["name"] == "老客户"
    assert admin_api.delete(f"/api/v1/tags/{tag_id}/").status_code == 204


def test_duplicates_endpoint_names_the_signals(api, shop):
    with shop_scope(shop.pk):
        me = CustomerFactory(shop=shop, name="张伟", city="杭州", email="zhang.wei+shop@qq.com")
        twin = CustomerFactory(shop=shop, name="张伟", city="杭州", email=None)
        mail = CustomerFactory(shop=shop, name="Z", email="zhangwei@163.com")
        CustomerFactory(shop=shop, name="张伟", city="北京", email=None)
    body = api.get(f"/api/v1/customers/{me.pk}/duplicates/").json()
    reasons = {row["customer"]["id"]: row["reasons"] for row in body}
    assert reasons == {twin.pk: ["same_name_city"], mail.pk: ["same_email_local"]}


def test_agent_cannot_merge_erase_or_export_but_can_tag_and_note(shop, agent, customer, tag):
    client, root = staff_api(agent, shop)
    with shop_scope(shop.pk):
        duplicate = CustomerFactory(shop=shop)
    assert client.post(f"{root}customers/{customer.pk}/merge/", {"duplicate_id": duplicate.pk},
                       format="json").status_code == 403  # fmt: skip
    assert client.post(f"{root}customers/{customer.pk}/erase/").status_code == 403
    assert client.get(f"{root}customers/{customer.pk}/export/").status_code == 403
    assert client.post(f"{root}customers/{customer.pk}/tags/", {"tag_id": tag.pk}, format="json").status_code == 204
    assert client.post(f"{root}customers/{customer.pk}/notes/", {"body": "hi"}, format="json").status_code == 201
    with shop_scope(shop.pk):
        assert CustomerTag.objects.get().set_by_user_id == agent.pk
        customer.refresh_from_db()
        assert customer.merged_into_id is None and customer.erased_at is None


def test_manager_can_merge(shop, manager, customer):
    client, root = staff_api(manager, shop)
    with shop_scope(shop.pk):
        duplicate = CustomerFactory(shop=shop)
    response = client.post(f"{root}customers/{customer.pk}/merge/", {"duplicate_id": duplicate.pk}, format="json")
    assert response.status_code == 200 and response.json()["survivor_id"] == customer.pk
    again = client.post(f"{root}customers/{customer.pk}/merge/", {"duplicate_id": customer.pk}, format="json")
    assert again.status_code == 400 and "duplicate_id" in again.json()["fields"]


def test_privacy_export_has_everything(admin_api, shop, customer, tag):
    admin_api.post(f"/api/v1/customers/{customer.pk}/tags/", {"tag_id": tag.pk}, format="json")
    admin_api.post(f"/api/v1/customers/{customer.pk}/notes/", {"body": "note"}, format="json")
    body = admin_api.get(f"/api/v1/customers/{customer.pk}/export/").json()
    assert body["profile"]["phone"] == "+8613800138000"
    assert set(body) >= {"profile", "channel_ids", "consents", "consent_history", "tags", "notes", "orders"}
    assert body["tags"][0]["name"] == "VIP" and body["notes"][0]["body"] == "note"


def test_csv_export_honours_filters(admin_api, shop):
    with shop_scope(shop.pk):
        CustomerFactory(shop=shop, name="上海客人", city="上海")
        CustomerFactory(shop=shop, name="北京客人", city="北京")
    response = admin_api.get("/api/v1/customers/export.csv?city=上海")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "上海客人" in text and "北京客人" not in text
    assert admin_api.get("/api/v1/customers/export.csv?bogus=1").status_code == 400


def test_staff_session_can_use_the_api(shop, owner, customer):
    client, root = staff_api(owner, shop)
    assert client.get(f"{root}customers/").json()["results"][0]["id"] == customer.pk


def test_staff_of_no_shop_gets_404(shop, customer):
    client, root = staff_api(make_user("stranger@x.example"), shop)
    assert client.get(f"{root}customers/{customer.pk}/").status_code == 404


def test_list_rows_render_like_the_detail(api, customer):
    row = api.get("/api/v1/customers/").json()["results"][0]
    detail = api.get(f"/api/v1/customers/{customer.pk}/").json()
    assert {name: row[name] for name in row if name != "tags"} == {name: detail[name] for name in row if name != "tags"}


def test_list_rows_render_like_the_detail_for_every_field_kind(api, shop, customer, tag):
    """The list's rows are encoded by PostgreSQL: money, whole-second and fractional times,
    nulls, quotes and tags read as the detail serializer renders them."""
    whole_second = timezone.now().replace(microsecond=0)
    with shop_scope(shop.pk):
        customers_tag(shop=shop, tag=tag, customer_ids=[customer.pk])
        Customer.objects.filter(pk=customer.pk).update(
            name='王"芳\\ \n', total_spent=Decimal("1234.50"), refunded_amount=Decimal("0"), orders_count=2,
            first_order_at=whole_second - timedelta(days=3, microseconds=120), last_order_at=whole_second,
        )  # fmt: skip
    row = api.get("/api/v1/customers/").json()["results"][0]
    detail = api.get(f"/api/v1/customers/{customer.pk}/").json()
    assert {name: row[name] for name in row} == {name: detail[name] for name in row}
    assert row["total_spent"] == "1234.50" and row["erased_at"] is None and row["tags"][0]["id"] == tag.pk
    assert "." not in row["last_order_at"] and "." in row["first_order_at"]


def test_list_in_the_browsable_api(shop, owner, customer):
    client, root = staff_api(owner, shop)
    response = client.get(f"{root}customers/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "王芳" in response.content.decode()


def test_tag_list_and_duplicates_query_counts(api, shop, customer, django_assert_max_num_queries):
    with shop_scope(shop.pk):
        TagFactory.create_batch(20, shop=shop)
        CustomerFactory.create_batch(10, shop=shop, name=customer.name, city=customer.city)
    with django_assert_max_num_queries(14):  # 12 of the API base + count + page
        assert len(api.get("/api/v1/tags/").json()["results"]) == 20
    # 12 of the API base + customer + candidates + their channel ids + their tags
    with django_assert_max_num_queries(16):
        assert len(api.get(f"/api/v1/customers/{customer.pk}/duplicates/").json()) == 10
