from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import AuditEvent
from customers.identity import customer_resolve
from customers.models import (
    ConsentEvent,
    Customer,
    CustomerChannelId,
    CustomerConsent,
    CustomerMerge,
    CustomerNote,
    CustomerTag,
)
from customers.services import (
    MergeInvalid,
    ProfileInvalid,
    consent_is_granted,
    customer_consent_set,
    customer_create,
    customer_merge,
    customer_note_add,
    customer_update,
    customers_tag,
    customers_untag,
)
from orders.models import Order
from orders.services import order_upsert
from tests.customers.factories import CustomerFactory, TagFactory
from tests.orders.payloads import order_payload


def place_order(shop, external_id: str, customer_external_id: str, phone: str, **changes) -> Order:
    customer = {"external_id": customer_external_id, "phone": phone, "name": "王芳"}
    order, _ = order_upsert(shop=shop, data=order_payload(external_id, customer=customer, **changes))
    return order


def test_stats_follow_orders_and_skip_pending_and_cancelled(shop, in_shop):
    place_order(shop, "A1", "U1", "13800138000", placed_at="2026-10-01T10:00:00+08:00")
    place_order(shop, "A2", "U1", "13800138000", placed_at="2026-11-01T10:00:00+08:00")
    place_order(shop, "A3", "U1", "13800138000", status="cancelled")
    place_order(shop, "A4", "U1", "13800138000", status="pending")
    customer = Customer.objects.get(phone="+8613800138000")
    assert customer.orders_count == 2
    assert customer.total_spent == Decimal("196.00")
    assert customer.average_order_value == Decimal("98.00")
    assert customer.first_order_at < customer.last_order_at


def test_create_returns_known_person_without_duplicating(shop, in_shop):
    first, created = customer_create(shop=shop, data={"name": "王芳", "phone": "13800138000"})
    again, created_again = customer_create(shop=shop, data={"phone": "+86 138 0013 8000", "email": "W@X.com"})
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.email == "w@x.com"
    assert AuditEvent.objects.filter(action="customer.create", object_id=str(first.pk)).count() == 1


def test_update_refuses_another_customers_phone(shop, in_shop):
    CustomerFactory(shop=shop, phone="+8613800138000")
    other = CustomerFactory(shop=shop, phone="+8613900139000")
    with pytest.raises(ProfileInvalid) as error:
        customer_update(shop=shop, customer=other, data={"phone": "13800138000"})
    assert "phone" in error.value.errors


def test_update_validates_custom_attributes_against_definitions(shop, in_shop):
    from customers.models import CustomerAttributeDefinition

    CustomerAttributeDefinition.objects.create(shop=shop, key="shoe_size", label="Shoe size", type="number")
    customer = CustomerFactory(shop=shop)
    customer_update(shop=shop, customer=customer, data={"attributes": {"shoe_size": "38.5"}})
    assert customer.attributes == {"shoe_size": "38.5"}
    with pytest.raises(ProfileInvalid) as error:
        customer_update(shop=shop, customer=customer, data={"attributes": {"shoe_size": "big", "vip_level": 3}})
    assert set(error.value.errors) == {"attributes.shoe_size", "attributes.vip_level"}


def test_custom_attributes_with_a_null_character_are_refused(shop, in_shop):
    # PostgreSQL can neither compare nor store NUL: a key or a text value holding one was a 500.
    from customers.models import CustomerAttributeDefinition

    CustomerAttributeDefinition.objects.create(shop=shop, key="nickname", label="Nickname", type="text")
    customer = CustomerFactory(shop=shop)
    with pytest.raises(ProfileInvalid) as error:
        customer_update(shop=shop, customer=customer, data={"attributes": {"nickname": "A\x00"}})
    assert set(error.value.errors) == {"attributes.nickname"}
    with pytest.raises(ProfileInvalid) as error:
        customer_update(shop=shop, customer=customer, data={"attributes": {"nickname": "A", "x\ud800": 1}})
    assert error.value.errors == {"attributes": ["Not valid Unicode text (it holds a lone surrogate)."]}
    customer.refresh_from_db()
    assert customer.attributes == {}


def test_consent_changes_are_recorded_with_history(shop, in_shop, customer):
    customer_consent_set(
        shop=shop, customer=customer, channel="sms", purpose="marketing", is_granted=True, source="checkout"
    )
    customer_consent_set(
        shop=shop, customer=customer, channel="sms", purpose="marketing", is_granted=True, source="checkout"
    )
    customer_consent_set(
        shop=shop, customer=customer, channel="sms", purpose="marketing", is_granted=False, source="sms-stop"
    )
    history = list(
        ConsentEvent.objects.filter(customer=customer).order_by("created_at").values_list("is_granted", "source")
    )
    assert history == [(True, "checkout"), (False, "sms-stop")]
    assert not consent_is_granted(customer=customer, channel="sms", purpose="marketing")
    assert not consent_is_granted(customer=customer, channel="email", purpose="care")


def test_bulk_tag_counts_new_tags_and_ignores_unknown_ids(shop, in_shop, tag):
    customers = CustomerFactory.create_batch(3, shop=shop)
    ids = [item.pk for item in customers]
    assert customers_tag(shop=shop, tag=tag, customer_ids=ids[:2]) == 2
    assert customers_tag(shop=shop, tag=tag, customer_ids=[*ids, 999_999_999]) == 1
    assert customers_untag(shop=shop, tag=tag, customer_ids=ids[:1]) == 1
    assert set(CustomerTag.objects.values_list("customer_id", flat=True)) == set(ids[1:])


def test_merge_moves_everything_and_is_recorded(shop, in_shop, tag, agent):
    survivor = customer_resolve(shop=shop, channel="web", external_id="S1", phone="13800138000", name="王芳")
    duplicate = customer_resolve(
        shop=shop, channel="app", external_id="D1", email="wf@example.com", name="王芳", city="杭州"
    )
    place_order(shop, "A1", "S1", "13800138000")
    order_upsert(shop=shop, data=order_payload("A2", customer={"external_id": "D1", "email": "wf@example.com"}))
    other_tag = TagFactory(shop=shop)
    customers_tag(shop=shop, tag=tag, customer_ids=[survivor.pk, duplicate.pk])
    customers_tag(shop=shop, tag=other_tag, customer_ids=[duplicate.pk])
    customer_note_add(shop=shop, customer=duplicate, author=agent, body="called about delivery")
    customer_consent_set(shop=shop, customer=survivor, channel="sms", purpose="marketing", is_granted=True, source="a")
    CustomerConsent.objects.filter(customer=survivor).update(updated_at=timezone.now() - timedelta(days=1))
    customer_consent_set(
        shop=shop, customer=duplicate, channel="sms", purpose="marketing", is_granted=False, source="b"
    )

    merge = customer_merge(shop=shop, survivor=survivor, duplicate=duplicate)

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk and duplicate.email is None
    assert (survivor.email, survivor.city, survivor.orders_count) == ("wf@example.com", "杭州", 2)
    assert duplicate.orders_count == 0
    assert Order.objects.filter(customer=survivor).count() == 2
    assert set(CustomerTag.objects.filter(customer=survivor).values_list("tag_id", flat=True)) == {tag.pk, other_tag.pk}
    assert CustomerChannelId.objects.filter(customer=survivor).count() == 3  # S1, app:D1, web:D1 (the order)
    assert CustomerNote.objects.filter(customer=survivor).count() == 1
    assert not consent_is_granted(customer=survivor, channel="sms", purpose="marketing")  # the newer decision
    assert not CustomerTag.objects.filter(customer=duplicate).exists()
    assert merge.moved["orders.order.customer"] == 1
    assert merge.duplicate_identifiers["email"] == "wf@example.com"
    assert CustomerMerge.objects.get().survivor_id == survivor.pk
    event = AuditEvent.objects.get(action="customer.merge")
    assert event.object_id == str(survivor.pk) and "wf@example.com" not in str(event.changes)
    # The duplicate's email is free again and now identifies the survivor.
    assert customer_resolve(shop=shop, channel="web", email="wf@example.com").pk == survivor.pk


def test_merge_refuses_self_and_merged_and_other_shop(shop, other_shop, in_shop, other_customer):
    one, two, three = CustomerFactory.create_batch(3, shop=shop)
    with pytest.raises(MergeInvalid):
        customer_merge(shop=shop, survivor=one, duplicate=one)
    customer_merge(shop=shop, survivor=one, duplicate=two)
    with pytest.raises(MergeInvalid):
        customer_merge(shop=shop, survivor=three, duplicate=two)
    with pytest.raises(MergeInvalid):
        customer_merge(shop=shop, survivor=one, duplicate=other_customer)


def test_merge_chain_points_to_the_last_survivor(shop, in_shop):
    first, second, third = CustomerFactory.create_batch(3, shop=shop)
    customer_merge(shop=shop, survivor=second, duplicate=first)
    customer_merge(shop=shop, survivor=third, duplicate=second)
    first.refresh_from_db()
    assert first.merged_into_id == third.pk
