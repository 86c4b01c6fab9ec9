"""Erasure leaves no personal field of the customer in any table."""

import json

from crm.models import AuditEvent, IdempotencyRecord
from crm.tenancy.context import shop_scope
from customers.identity import customer_resolve
from customers.models import Customer, CustomerMerge
from customers.services import customer_erase, customer_merge, customer_note_add
from orders.services import order_upsert
from tests.orders.payloads import order_payload

SECRETS = ("王小芳", "+8613800138000", "13800138000", "wxf@example.com", "U-778899", "APP-5566", "wxf.alt@example.com")


def text_of(instance) -> str:
    values = []
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        values.append(json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value))
    return " ".join(values)


def rows_about(customer_ids: list[int]) -> list:
    """Every row of every model with a foreign key to Customer that points at these customers."""
    rows = list(Customer.objects.filter(pk__in=customer_ids))
    for relation in Customer._meta.related_objects:
        rows += list(relation.related_model._default_manager.filter(**{f"{relation.field.name}__in": customer_ids}))
    return rows


def test_erase_leaves_no_personal_field_anywhere(shop, admin_api, manager):
    order = order_payload(
        "E-1",
        customer={"external_id": "U-778899", "name": "王小芳", "phone": "13800138000", "email": "wxf@example.com"},
        recipient_name="王小芳",
        recipient_phone="13800138000",
        shipping_address="杭州市西湖区文三路 1 号 王小芳",
    )
    with shop_scope(shop.pk):
        order_upsert(shop=shop, data=order)
    # A stored idempotent response quoting the customer:
    created = admin_api.post("/api/v1/customers/", {"email": "wxf@example.com", "name": "王小芳"}, format="json",
                       HTTP_IDEMPOTENCY_KEY="cust-1")  # fmt: skip
    assert created.status_code == 200
    with shop_scope(shop.pk):
        customer = Customer.objects.get(phone="+8613800138000")
        duplicate = customer_resolve(shop=shop, channel="app", external_id="APP-5566", email="wxf.alt@example.com",
                                     name="王小芳")  # fmt: skip
        customer_merge(shop=shop, survivor=customer, duplicate=duplicate)
        customer_note_add(shop=shop, customer=customer, author=manager, body="王小芳 asked to call 13800138000")
        assert any(secret in text_of(row) for row in rows_about([customer.pk]) for secret in SECRETS)

    response = admin_api.post(f"/api/v1/customers/{customer.pk}/erase/")

    assert response.status_code == 200
    assert not any(secret in json.dumps(response.json(), ensure_ascii=False) for secret in SECRETS)
    with shop_scope(shop.pk):
        rows = rows_about([customer.pk, duplicate.pk])
        rows += [*IdempotencyRecord.objects.all(), *AuditEvent.objects.all(), *CustomerMerge.objects.all()]
        leaks = [(type(row).__name__, secret) for row in rows for secret in SECRETS if secret in text_of(row)]
        assert leaks == []
        customer.refresh_from_db()
        assert customer.erased_at is not None and customer.orders_count == 1  # amounts kept
        assert AuditEvent.objects.filter(action="customer.erase", object_id=str(customer.pk)).exists()


def test_erase_keeps_other_customers_intact(shop, in_shop, customer):
    other = customer_resolve(shop=shop, channel="web", phone="13900139000", name="李雷")
    customer_erase(shop=shop, customer=customer)
    other.refresh_from_db()
    assert (other.name, other.phone) == ("李雷", "+8613900139000")
