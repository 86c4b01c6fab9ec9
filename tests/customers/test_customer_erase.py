"""Erasure leaves no personal field of the customer in any table."""

import json
import os

import psycopg2
import pytest
from django.db import connection

from crm.models import AuditEvent, IdempotencyRecord
from crm.platform.env import database_from_url
from crm.tenancy.context import shop_scope
from customers.identity import customer_resolve
from customers.models import Customer, CustomerMerge
from customers.services import customer_erase, customer_merge, customer_note_add
from orders.services import order_upsert
from tests.conftest import signed_setting_sql
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


# A name that JSON escapes (`"` and `\`), as stored responses hold it.
ESCAPED_NAME = '王"小\\芳'
ERASED_VALUES = (ESCAPED_NAME, "+8613800138000", "13800138000", "wxf@example.com", "U-778899", "+8613900139000",
                 "13900139000", "wxf.alt@example.com", "APP-5566", "文三路")  # fmt: skip


def owner_cursor():
    """A connection as the database owner, which can read every table (row-level security
    still applies to it, so each shop is read with that shop's signed setting)."""
    owner = database_from_url(os.environ["TEST_DATABASE_OWNER_URL"])
    return psycopg2.connect(dbname=connection.settings_dict["NAME"], user=owner["USER"], password=owner["PASSWORD"],
                            host=owner["HOST"], port=owner["PORT"] or None).cursor()  # fmt: skip


def columns_holding(values: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(table, column, value) for every column of every table where a value is found as
    stored: plain text, or escaped inside JSON."""
    forms = {value: {value, json.dumps(value, ensure_ascii=False)[1:-1]} for value in values}
    found = []
    with owner_cursor() as cursor:
        cursor.execute("SELECT id FROM crm_shop")
        shop_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT c.table_name, array_agg(c.column_name::text ORDER BY c.ordinal_position) "
            "FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' GROUP BY c.table_name"
        )
        tables = cursor.fetchall()
        for shop_id in shop_ids:
            cursor.execute(*signed_setting_sql("app.shop_id", str(shop_id)))
            for table, columns in tables:
                for value, stored_forms in forms.items():
                    patterns = ["%" + form.replace("\\", "\\\\").replace("%", "\\%") + "%" for form in stored_forms]
                    checks = ", ".join(f'bool_or("{column}"::text LIKE ANY(%s))' for column in columns)
                    cursor.execute(f'SELECT {checks} FROM "{table}"', [patterns] * len(columns))
                    hits = cursor.fetchone()
                    found += [(table, column, value) for column, hit in zip(columns, hits, strict=True) if hit]
    return sorted(set(found))


@pytest.mark.django_db(transaction=True)
def test_erasure_leaves_the_values_in_no_column_of_any_table(shop, other_shop, admin_api, client, manager):
    created = admin_api.post("/api/v1/customers/", {"external_id": "U-778899", "phone": "138 0013 8000",
                                              "email": "wxf@example.com", "name": ESCAPED_NAME, "channel": "web"},
                       format="json", HTTP_IDEMPOTENCY_KEY="create-1")  # fmt: skip
    customer_id = created.json()["id"]
    consent = {"channel": "sms", "purpose": "marketing", "is_granted": True, "source": "电话 13800138000 同意"}
    admin_api.post(f"/api/v1/customers/{customer_id}/consent/", consent, format="json")
    with shop_scope(shop.pk):
        recipient = {
            "recipient_name": ESCAPED_NAME,
            "recipient_phone": "13800138000",
            "shipping_address": "文三路 1 号",
        }
        order_upsert(shop=shop, data=order_payload("E-2", customer={"phone": "13800138000"}, **recipient))
        duplicate = customer_resolve(shop=shop, channel="app", external_id="APP-5566", phone="13900139000",
                                     email="wxf.alt@example.com")  # fmt: skip
        customer_merge(shop=shop, survivor=Customer.objects.get(pk=customer_id), duplicate=duplicate)
    client.force_login(manager)
    admin_edit = client.post(f"/admin/customers/customer/{customer_id}/change/", {
        "name": ESCAPED_NAME + "2", "phone": "+8613800138000", "email": "wxf@example.com", "gender": "unknown",
        "birthday": "", "province": "", "city": "", "district": "", "source_channel": "web",
        **{f"{prefix}-{key}": value for prefix in ("channel_ids", "customer_tags", "notes")
           for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))},
    })  # fmt: skip
    assert admin_edit.status_code == 302
    assert {value for _table, _column, value in columns_holding(ERASED_VALUES)} == set(ERASED_VALUES)

    assert admin_api.post(f"/api/v1/customers/{customer_id}/erase/").status_code == 200

    assert columns_holding(ERASED_VALUES) == []
    replay = admin_api.post("/api/v1/customers/", {"email": "wxf@example.com"}, format="json",
                      HTTP_IDEMPOTENCY_KEY="create-1")  # fmt: skip
    assert ESCAPED_NAME not in replay.content.decode("unicode_escape", errors="ignore")
