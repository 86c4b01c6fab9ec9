"""Merge, export and erasure go through customers/registry.py, so an app above customers
takes part by registering a function; a merge that no handler can resolve changes nothing;
a merged duplicate's phone and email keep finding the survivor."""

import pytest

from crm.models import AuditEvent
from crm.tenancy.context import shop_scope
from customers.identity import customer_resolve, customers_resolve_bulk
from customers.models import Customer, CustomerIdentifier, CustomerMerge, CustomerNote, CustomerTag
from customers.registry import ERASURE_PARTS, EXPORT_PARTS, MERGE_HANDLERS, OVERVIEW_SECTIONS
from customers.services import (
    MergeConflict,
    customer_erase,
    customer_export,
    customer_merge,
    customer_note_add,
    customers_tag,
)
from orders.models import Order
from orders.services import order_upsert
from tests.customers.factories import CustomerFactory
from tests.orders.payloads import order_payload


def test_the_apps_above_customers_fill_its_registries():
    assert list(OVERVIEW_SECTIONS) == ["orders", "scores", "messages"]
    assert set(EXPORT_PARTS) == {"orders", "scores", "messages"}
    assert set(ERASURE_PARTS) == {"orders", "messages"}
    assert {"customers.customertag", "customers.customerconsent", "insights.customerscore",
            "messaging.message"} <= set(MERGE_HANDLERS)  # fmt: skip


def test_merge_asks_the_registered_handler_and_repoints_the_rest(shop, in_shop, manager, monkeypatch):
    survivor, duplicate = CustomerFactory.create_batch(2, shop=shop)
    customer_note_add(shop=shop, customer=duplicate, author=manager, body="called about delivery")
    order_upsert(shop=shop, data=order_payload("M-1", customer={"external_id": "D-1"}))
    Order.objects.update(customer=duplicate)
    calls = []

    def notes_handler(*, shop, survivor, duplicate):
        calls.append((shop.pk, survivor.pk, duplicate.pk))
        return CustomerNote.objects.filter(customer=duplicate).update(customer=survivor)

    monkeypatch.setitem(MERGE_HANDLERS, "customers.customernote", notes_handler)

    merge = customer_merge(shop=shop, survivor=survivor, duplicate=duplicate)

    assert calls == [(shop.pk, survivor.pk, duplicate.pk)]
    assert merge.moved["customers.customernote.customer"] == 1
    assert merge.moved["orders.order.customer"] == 1  # no handler: re-pointed as it is
    assert Order.objects.get().customer_id == survivor.pk


def test_a_clash_no_handler_covers_fails_the_merge_and_changes_nothing(shop, in_shop, manager, tag, monkeypatch):
    survivor, duplicate = CustomerFactory.create_batch(2, shop=shop)
    customers_tag(shop=shop, tag=tag, customer_ids=[survivor.pk, duplicate.pk])
    customer_note_add(shop=shop, customer=duplicate, author=manager, body="keep me on the duplicate")
    monkeypatch.delitem(MERGE_HANDLERS, "customers.customertag")

    with pytest.raises(MergeConflict, match="customer tags"):
        customer_merge(shop=shop, survivor=survivor, duplicate=duplicate)

    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None
    assert CustomerTag.objects.filter(customer=duplicate).count() == 1
    assert CustomerNote.objects.get().customer_id == duplicate.pk
    assert not CustomerMerge.objects.exists()
    assert not AuditEvent.objects.filter(action="customer.merge").exists()


def test_a_clash_answers_400_naming_the_duplicate_and_merges_nothing(shop, admin_api, tag, monkeypatch):
    with shop_scope(shop.pk):
        survivor, duplicate = CustomerFactory.create_batch(2, shop=shop)
        customers_tag(shop=shop, tag=tag, customer_ids=[survivor.pk, duplicate.pk])
    monkeypatch.delitem(MERGE_HANDLERS, "customers.customertag")

    response = admin_api.post(f"/api/v1/customers/{survivor.pk}/merge/", {"duplicate_id": duplicate.pk}, format="json")

    assert response.status_code == 400
    assert "customer tags" in response.json()["fields"]["duplicate_id"][0]
    with shop_scope(shop.pk):
        assert Customer.objects.get(pk=duplicate.pk).merged_into_id is None


def test_after_a_merge_the_duplicates_phone_and_email_resolve_to_the_survivor(shop, in_shop):
    survivor = customer_resolve(shop=shop, channel="web", phone="13800138000", email="wf@example.com", name="王芳")
    duplicate = customer_resolve(shop=shop, channel="app", phone="13900139000", email="fang@example.com")
    customer_merge(shop=shop, survivor=survivor, duplicate=duplicate)

    by_phone = customer_resolve(shop=shop, channel="web", phone="139 0013 9000")
    by_email = customer_resolve(shop=shop, channel="web", email="FANG@example.com")
    ids, created = customers_resolve_bulk(shop=shop, identities=[{"channel": "web", "phone": "+8613900139000"}])
    order, _ = order_upsert(shop=shop, data=order_payload("N-1", customer={"phone": "13900139000"}))

    assert by_phone.pk == by_email.pk == ids[0] == order.customer_id == survivor.pk
    assert created == set()
    assert Customer.objects.filter(merged_into__isnull=True).count() == 1
    assert set(CustomerIdentifier.objects.values_list("kind", "value", "customer_id")) == {
        ("phone", "+8613900139000", survivor.pk),
        ("email", "fang@example.com", survivor.pk),
    }


def test_identifiers_follow_a_chain_of_merges(shop, in_shop):
    first = customer_resolve(shop=shop, channel="web", phone="13700137000")
    second = customer_resolve(shop=shop, channel="web", phone="13800138000")
    third = customer_resolve(shop=shop, channel="web", phone="13900139000")
    customer_merge(shop=shop, survivor=second, duplicate=first)
    customer_merge(shop=shop, survivor=third, duplicate=second)

    assert customer_resolve(shop=shop, channel="web", phone="13700137000").pk == third.pk
    assert customer_resolve(shop=shop, channel="web", phone="13800138000").pk == third.pk


def test_export_collects_every_registered_part(shop, in_shop, customer, monkeypatch):
    order_upsert(shop=shop, data=order_payload("X-1", customer={"phone": "13800138000"}))
    monkeypatch.setitem(
        EXPORT_PARTS, "tickets", lambda *, shop, customer: [{"subject": "broken cup", "customer_id": customer.pk}]
    )

    data = customer_export(shop=shop, customer=customer)

    assert [order["external_id"] for order in data["orders"]] == ["X-1"]
    assert data["scores"]["current"] is None
    assert data["tickets"] == [{"subject": "broken cup", "customer_id": customer.pk}]


def test_erasure_calls_every_registered_part_with_the_whole_person(shop, in_shop, customer, monkeypatch):
    duplicate = CustomerFactory(shop=shop)
    customer_merge(shop=shop, survivor=customer, duplicate=duplicate)
    order_upsert(shop=shop, data=order_payload("Z-1", customer={"phone": "13800138000"}, recipient_name="王芳"))
    calls = []
    monkeypatch.setitem(
        ERASURE_PARTS, "tickets", lambda *, shop, customer_ids: calls.append((shop.pk, sorted(customer_ids)))
    )

    customer_erase(shop=shop, customer=customer)

    assert calls == [(shop.pk, sorted([customer.pk, duplicate.pk]))]
    assert Order.objects.get().recipient_name == ""  # orders' own part
    assert not CustomerIdentifier.objects.exists()


def test_secondary_identifiers_stay_in_their_shop(shop, other_shop):
    with shop_scope(shop.pk):
        survivor = customer_resolve(shop=shop, channel="web", phone="13800138000")
        duplicate = customer_resolve(shop=shop, channel="web", phone="13900139000")
        customer_merge(shop=shop, survivor=survivor, duplicate=duplicate)
    with shop_scope(other_shop.pk):
        theirs = customer_resolve(shop=other_shop, channel="web", phone="13900139000")

        assert theirs.shop_id == other_shop.pk and theirs.phone == "+8613900139000"
        assert not CustomerIdentifier.objects.exists()


def test_searching_a_merged_duplicates_phone_or_email_finds_the_survivor(shop, api):
    with shop_scope(shop.pk):
        survivor = customer_resolve(shop=shop, channel="web", phone="13800138000", email="wf@example.com")
        duplicate = customer_resolve(shop=shop, channel="web", phone="13900139000", email="fang@example.com")
        customer_merge(shop=shop, survivor=survivor, duplicate=duplicate)

    for query in ("13900139000", "+86 139 0013 9000", "Fang@Example.com"):
        found = api.get("/api/v1/customers/", {"q": query}).json()["results"]
        assert [row["id"] for row in found] == [survivor.pk], query
