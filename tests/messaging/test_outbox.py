"""The interface other apps call: message_enqueue, template checks, suppressors, the timeline."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from crm.tenancy.context import shop_scope
from messaging.compose import message_preview
from messaging.models import Channel, Message, MessageStatus, Purpose
from messaging.selectors import messages_for_customer
from messaging.services.outbox import MessageInvalid, message_enqueue, message_enqueue_many
from messaging.templating import message_template_check, sms_segments
from tests.customers.factories import CustomerFactory

BODY = {
    "zh-hans": "亲爱的{customer_name}，您的订单{order_number}已发货",
    "en": "Dear {customer_name}, order {order_number} shipped",
}


def enqueue(shop, customer, **overrides):
    fields = {
        "shop": shop, "customer": customer, "rule": "care.order_shipped", "occasion": "A1001",
        "channel": Channel.SMS, "purpose": Purpose.CARE, "body": BODY, "variables": {"order_number": "A1001"},
    }  # fmt: skip
    return message_enqueue(**{**fields, **overrides})


def test_one_message_per_occasion_and_channel(shop, customer):
    with shop_scope(shop.pk):
        first = enqueue(shop, customer)
        assert enqueue(shop, customer) is None
        by_email = enqueue(shop, customer, channel=Channel.EMAIL)
        next_order = enqueue(shop, customer, occasion="A1002")
        assert first.status == MessageStatus.QUEUED and by_email and next_order
        assert Message.objects.count() == 3


def test_enqueue_refuses_bad_input_and_writes_nothing(shop, customer):
    with shop_scope(shop.pk):
        for bad in ({"rule": "birthday"}, {"channel": "fax"}, {"purpose": "spam"}, {"occasion": ""}, {"body": {}},
                    {"send_after": datetime.datetime(2026, 1, 1)}):  # fmt: skip
            with pytest.raises(MessageInvalid):
                enqueue(shop, customer, **bad)
        assert not Message.objects.exists()


def test_link_gets_an_unguessable_short_code_per_message(shop, customer):
    with shop_scope(shop.pk):
        first = enqueue(shop, customer, link_url="https://shop.example/orders/A1001")
        second = enqueue(shop, customer, occasion="A1002", link_url="https://shop.example/orders/A1002")
        plain = enqueue(shop, customer, occasion="A1003")
    assert first.short_code != second.short_code
    assert first.short_code.startswith(f"{shop.pk:x}-") and len(first.short_code.split("-")[1]) == 10
    assert plain.short_code == ""


def test_template_check_names_unknown_placeholders():
    assert message_template_check("亲爱的{customer_name}，{shop_name}送您{coupon_code}：{short_link}") == []
    errors = message_template_check("Hi {customer_name}, your {password}")
    assert len(errors) == 1 and "{password}" in errors[0]
    assert message_template_check("broken {customer_name") != []


def test_sms_segments_count_70_then_67_per_part():
    assert sms_segments("") == 0
    assert sms_segments("字" * 70) == 1
    assert sms_segments("字" * 71) == 2
    assert sms_segments("字" * 134) == 2
    assert sms_segments("字" * 135) == 3


def test_timeline_lists_only_this_customers_messages(shop, customer, other_shop, other_customer):
    with shop_scope(shop.pk):
        enqueue(shop, customer)
        enqueue(shop, customer, occasion="A1002")
        timeline = messages_for_customer(shop, customer)
    with shop_scope(other_shop.pk):
        enqueue(other_shop, other_customer)
    assert [message.occasion for message in timeline] == ["A1002", "A1001"]


def test_preview_renders_a_real_customers_message_without_writing(shop, customer):
    with shop_scope(shop.pk):
        sms = message_preview(shop=shop, customer=customer, channel=Channel.SMS, purpose=Purpose.MARKETING,
                              body=BODY, variables={"order_number": "A1001"})  # fmt: skip
        customer.language = "en"
        email = message_preview(shop=shop, customer=customer, channel=Channel.EMAIL, purpose=Purpose.CARE, body=BODY,
                                subject={"en": "From {shop_name}"}, variables={"order_number": "A1001"})  # fmt: skip
        assert not Message.objects.exists()
    assert sms.text == "【Tea House】亲爱的王芳，您的订单A1001已发货 拒收请回复R"
    assert (email.subject, email.text.splitlines()[0]) == ("From Tea House", "Dear 王芳, order A1001 shipped")


def test_enqueue_many_writes_new_occasions_once(shop, customer, other_shop, other_customer):
    with shop_scope(shop.pk):
        second = CustomerFactory(shop=shop)
        enqueue(shop, customer, rule="care.birthday", occasion="2026")
        written = message_enqueue_many(
            shop=shop, rule="care.birthday", channel=Channel.SMS, purpose=Purpose.CARE, body=BODY,
            items=[{"customer_id": customer.pk, "occasion": "2026"},
                   {"customer_id": second.pk, "occasion": "2026", "variables": {"coupon_code": "B1"},
                    "link_url": "https://tea.example/c/B1"}],
        )  # fmt: skip
        assert written == 1
        added = Message.objects.get(customer=second)
        assert (added.variables, added.short_code != "") == ({"coupon_code": "B1"}, True)
        assert Message.objects.count() == 2
        with pytest.raises(IntegrityError), transaction.atomic():
            message_enqueue_many(shop=shop, rule="care.birthday", channel=Channel.SMS, purpose=Purpose.CARE,
                                 body=BODY, items=[{"customer_id": other_customer.pk, "occasion": "2026"}])  # fmt: skip
        assert Message.objects.count() == 2
