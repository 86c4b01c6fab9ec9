"""One dispatch round: what is checked at send time, and how each send ends."""

import datetime
import logging
import zoneinfo

import pytest
from django.core import mail

from crm.tenancy.context import shop_scope
from customers.services.consent import customer_consent_set, customer_targeting_refusal_set
from messaging.channels import SendFailed, SendOutcomeUnknown
from messaging.models import Channel, Message, MessageStatus, MessagingSettings, Purpose
from messaging.registry import marketing_suppressor_register, marketing_suppressor_unregister
from messaging.services import dispatch
from messaging.services.dispatch import outbox_dispatch
from messaging.services.outbox import message_enqueue, message_resend
from messaging.services.sms_replies import sms_callback_signature
from tests.customers.factories import CustomerFactory
from tests.messaging.conftest import ALL_CONSENTS, consent_grant

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOON = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=SHANGHAI)


def enqueue(shop, customer, *, occasion="o1", channel=Channel.SMS, purpose=Purpose.CARE, at=NOON, **extra):
    with shop_scope(shop.pk):
        return message_enqueue(
            shop=shop, customer=customer, rule="care.test", occasion=occasion, channel=channel, purpose=purpose,
            subject={"zh-hans": "{shop_name}的问候", "en": "Greetings from {shop_name}"},
            body={"zh-hans": "亲爱的{customer_name}，订单{order_number}",
                  "en": "Dear {customer_name}, order {order_number}"},
            variables={"order_number": "A1001"}, send_after=at, **extra,
        )  # fmt: skip


def reload(shop, message):
    with shop_scope(shop.pk):
        return Message.objects.get(pk=message.pk)


def test_care_sms_goes_out_with_the_signature_once(shop, customer, sms_outbox):
    message = enqueue(shop, customer)
    summary = outbox_dispatch(shop, now=NOON)
    assert summary == {"queued": 0, "sent": 1, "skipped": {}, "failed": 0, "unknown": 0}
    assert [sms.text for sms in sms_outbox] == ["【Tea House】亲爱的王芳，订单A1001"]
    assert reload(shop, message).status == MessageStatus.SENT
    assert outbox_dispatch(shop, now=NOON + datetime.timedelta(hours=1))["sent"] == 0
    assert len(sms_outbox) == 1


def test_not_due_yet_waits(shop, customer, sms_outbox):
    enqueue(shop, customer, at=NOON + datetime.timedelta(hours=1))
    assert outbox_dispatch(shop, now=NOON)["sent"] == 0
    assert outbox_dispatch(shop, now=NOON + datetime.timedelta(hours=1))["sent"] == 1


def test_email_in_the_customers_language(shop, customer):
    with shop_scope(shop.pk):
        customer.language = "en"
        customer.save(update_fields=["language"])
    enqueue(shop, customer, channel=Channel.EMAIL)
    outbox_dispatch(shop, now=NOON)
    assert [(email.to, email.subject, email.body.splitlines()[0]) for email in mail.outbox] == [
        (["wf@example.com"], "Greetings from Tea House", "Dear 王芳, order A1001")
    ]


def test_consent_withdrawn_after_scheduling_is_not_sent(shop, customer, sms_outbox):
    message = enqueue(shop, customer, purpose=Purpose.MARKETING)
    with shop_scope(shop.pk):
        customer_consent_set(shop=shop, customer=customer, channel="sms", purpose="marketing", is_granted=False,
                             source="test")  # fmt: skip
    assert outbox_dispatch(shop, now=NOON)["skipped"] == {"no_consent": 1}
    assert sms_outbox == []
    assert (reload(shop, message).status, reload(shop, message).reason) == (MessageStatus.SKIPPED, "no_consent")


def test_care_needs_care_consent_and_service_only_an_address(shop, sms_outbox):
    with shop_scope(shop.pk):
        marketing_only = CustomerFactory(shop=shop, name="赵", phone="+8613700137000")
        consent_grant(shop, marketing_only, ("sms", "marketing"))
    enqueue(shop, marketing_only, occasion="care", purpose=Purpose.CARE)
    enqueue(shop, marketing_only, occasion="service", purpose=Purpose.SERVICE)
    summary = outbox_dispatch(shop, now=NOON)
    assert (summary["sent"], summary["skipped"]) == (1, {"no_consent": 1})


def test_refused_automated_targeting_skips_only_segment_messages(shop, customer, sms_outbox):
    with shop_scope(shop.pk):
        customer_targeting_refusal_set(shop=shop, customer=customer, is_refused=True, source="test")
    enqueue(shop, customer, occasion="segment", segment_driven=True)
    enqueue(shop, customer, occasion="order")
    summary = outbox_dispatch(shop, now=NOON)
    assert (summary["sent"], summary["skipped"]) == (1, {"targeting_refused": 1})


def test_erased_or_addressless_customers_are_skipped(shop, sms_outbox):
    with shop_scope(shop.pk):
        no_phone = CustomerFactory(shop=shop, phone=None)
        bad_phone = CustomerFactory(shop=shop, phone="+86123")
        for person in (no_phone, bad_phone):
            consent_grant(shop, person, *ALL_CONSENTS)
    enqueue(shop, no_phone)
    enqueue(shop, bad_phone)
    assert outbox_dispatch(shop, now=NOON)["skipped"] == {"no_address": 2}


def test_marketing_sms_carries_the_opt_out(shop, customer, sms_outbox):
    enqueue(shop, customer, purpose=Purpose.MARKETING)
    outbox_dispatch(shop, now=NOON)
    assert sms_outbox[0].text.endswith("拒收请回复R")


@pytest.mark.parametrize(
    ("timezone_name", "local_due", "local_sent"),
    [
        ("Asia/Shanghai", datetime.datetime(2026, 12, 6, 23, 30), datetime.datetime(2026, 12, 7, 8, 0)),
        ("Asia/Shanghai", datetime.datetime(2026, 12, 7, 1, 0), datetime.datetime(2026, 12, 7, 8, 0)),
        ("America/New_York", datetime.datetime(2026, 12, 6, 22, 0), datetime.datetime(2026, 12, 7, 8, 0)),
    ],
)
def test_marketing_sms_due_at_night_waits_for_the_shops_morning(shop, customer, sms_outbox, timezone_name, local_due,
                                                                local_sent):  # fmt: skip
    shop.timezone = timezone_name
    shop.save(update_fields=["timezone"])
    zone = zoneinfo.ZoneInfo(timezone_name)
    due, morning = local_due.replace(tzinfo=zone), local_sent.replace(tzinfo=zone)
    marketing = enqueue(shop, customer, purpose=Purpose.MARKETING, at=due)
    care = enqueue(shop, customer, occasion="care", at=due)
    summary = outbox_dispatch(shop, now=due)
    assert (summary["sent"], summary["queued"]) == (1, 1)  # care is not held by the window
    assert reload(shop, care).status == MessageStatus.SENT
    assert reload(shop, marketing).send_after == morning
    assert outbox_dispatch(shop, now=morning - datetime.timedelta(minutes=1))["sent"] == 0
    assert outbox_dispatch(shop, now=morning)["sent"] == 1


def test_window_is_a_shop_setting(shop, customer, sms_outbox):
    with shop_scope(shop.pk):
        MessagingSettings.objects.create(
            shop=shop, send_window_start=datetime.time(13), send_window_end=datetime.time(2)
        )
    enqueue(shop, customer, purpose=Purpose.MARKETING, at=NOON)
    assert outbox_dispatch(shop, now=NOON)["queued"] == 1
    assert outbox_dispatch(shop, now=NOON + datetime.timedelta(hours=13, minutes=30))["sent"] == 1  # 01:30, open


def test_frequency_cap_skips_a_second_marketing_message_and_never_care(shop, customer, sms_outbox):
    enqueue(shop, customer, occasion="campaign:1", purpose=Purpose.MARKETING)
    assert outbox_dispatch(shop, now=NOON)["sent"] == 1
    later = NOON + datetime.timedelta(hours=5)
    capped = enqueue(shop, customer, occasion="campaign:2", purpose=Purpose.MARKETING, at=later)
    enqueue(shop, customer, occasion="campaign:2", channel=Channel.EMAIL, purpose=Purpose.MARKETING, at=later)
    enqueue(shop, customer, occasion="care", at=later)
    summary = outbox_dispatch(shop, now=later)
    assert (summary["sent"], summary["skipped"]) == (2, {"frequency_cap": 1})
    assert reload(shop, capped).status == MessageStatus.SKIPPED  # not rescheduled
    next_day = NOON + datetime.timedelta(hours=24)
    enqueue(shop, customer, occasion="campaign:3", purpose=Purpose.MARKETING, at=next_day)
    assert outbox_dispatch(shop, now=next_day)["sent"] == 1


def test_two_marketing_messages_in_one_batch_send_one(shop, customer, sms_outbox):
    enqueue(shop, customer, occasion="campaign:1", purpose=Purpose.MARKETING)
    enqueue(shop, customer, occasion="campaign:2", purpose=Purpose.MARKETING)
    summary = outbox_dispatch(shop, now=NOON)
    assert (summary["sent"], summary["skipped"]) == (1, {"frequency_cap": 1})


def test_suppressor_holds_marketing_with_its_reason(shop, customer, sms_outbox):
    calls = []

    def open_complaints(shop_arg, customer_ids):
        calls.append((shop_arg.pk, customer_ids))
        return {customer.pk: "open complaint (severity 1)"}

    marketing_suppressor_register("tests.complaints", open_complaints)
    try:
        held = enqueue(shop, customer, purpose=Purpose.MARKETING)
        enqueue(shop, customer, occasion="care")
        summary = outbox_dispatch(shop, now=NOON)
    finally:
        marketing_suppressor_unregister("tests.complaints")
    assert (summary["sent"], summary["skipped"]) == (1, {"open complaint (severity 1)": 1})
    assert calls == [(shop.pk, [customer.pk])]
    assert reload(shop, held).reason == "open complaint (severity 1)"


def failing_sender(error):
    def send(outgoing):
        raise error

    return send


def test_provider_errors_retry_with_backoff_then_fail_visibly(shop, customer, monkeypatch):
    monkeypatch.setitem(dispatch.SENDERS, Channel.SMS, failing_sender(SendFailed("provider: 503", is_retryable=True)))
    message = enqueue(shop, customer)
    now, rounds = NOON, []
    for _round in range(6):
        summary = outbox_dispatch(shop, now=now)
        rounds.append((summary["queued"], summary["failed"]))
        now = reload(shop, message).send_after if reload(shop, message).status == MessageStatus.QUEUED else now
    assert rounds[:3] == [(1, 0), (1, 0), (0, 1)]
    final = reload(shop, message)
    assert (final.status, final.attempts, final.reason) == (MessageStatus.FAILED, 3, "attempt 3: provider: 503")


def test_a_refusal_fails_at_once(shop, customer, monkeypatch):
    refusal = SendFailed("provider: bad number", is_retryable=False)
    monkeypatch.setitem(dispatch.SENDERS, Channel.SMS, failing_sender(refusal))
    message = enqueue(shop, customer)
    assert outbox_dispatch(shop, now=NOON)["failed"] == 1
    assert reload(shop, message).attempts == 1


def test_ambiguous_send_is_unknown_and_not_resent_until_staff_resend(shop, customer, monkeypatch, sms_outbox):
    monkeypatch.setitem(dispatch.SENDERS, Channel.SMS, failing_sender(SendOutcomeUnknown("provider: timed out")))
    message = enqueue(shop, customer)
    assert outbox_dispatch(shop, now=NOON)["unknown"] == 1
    monkeypatch.undo()
    assert outbox_dispatch(shop, now=NOON + datetime.timedelta(days=1))["sent"] == 0
    with shop_scope(shop.pk):
        message_resend(shop=shop, message=reload(shop, message))
    assert outbox_dispatch(shop, now=NOON + datetime.timedelta(days=2))["sent"] == 1
    assert len(sms_outbox) == 1


def test_a_claim_left_by_a_dead_sender_becomes_unknown_after_15_minutes(shop, customer, sms_outbox):
    message = enqueue(shop, customer)
    with shop_scope(shop.pk):
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=NOON, handed_over_at=NOON)
    assert outbox_dispatch(shop, now=NOON + datetime.timedelta(minutes=14))["unknown"] == 0
    assert outbox_dispatch(shop, now=NOON + datetime.timedelta(minutes=16))["unknown"] == 1
    assert reload(shop, message).status == MessageStatus.UNKNOWN
    assert sms_outbox == []


def test_a_round_sends_only_its_own_shops_messages(shop, customer, other_shop, other_customer, sms_outbox):
    mine = enqueue(shop, customer)
    theirs = enqueue(other_shop, other_customer)
    assert outbox_dispatch(shop, now=NOON)["sent"] == 1
    assert reload(shop, mine).status == MessageStatus.SENT
    assert reload(other_shop, theirs).status == MessageStatus.QUEUED
    assert [sms.to for sms in sms_outbox] == ["+8613800138000"]


def test_a_claim_never_handed_over_goes_back_to_the_queue(shop, customer, sms_outbox):
    message = enqueue(shop, customer)
    with shop_scope(shop.pk):
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=NOON, attempts=1)
    summary = outbox_dispatch(shop, now=NOON + datetime.timedelta(minutes=16))
    assert (summary["unknown"], summary["sent"]) == (0, 1)
    assert len(sms_outbox) == 1


def test_personal_data_never_reaches_the_log(shop, customer, sms_outbox, monkeypatch, caplog, client):
    """The log records of rounds that send by SMS and email, end unknown, and of an opt-out
    reply hold no name, phone, email or message text."""
    caplog.set_level(logging.DEBUG)
    enqueue(shop, customer, occasion="sent")
    enqueue(shop, customer, occasion="email", channel=Channel.EMAIL)
    outbox_dispatch(shop, now=NOON)
    monkeypatch.setitem(dispatch.SENDERS, Channel.SMS, failing_sender(SendOutcomeUnknown("provider: timed out")))
    enqueue(shop, customer, occasion="unknown")
    outbox_dispatch(shop, now=NOON)
    client.post(f"/hooks/sms/{shop.pk}/{sms_callback_signature(shop.pk)}/",
                '[{"phone_number": "13800138000", "content": "R"}]', content_type="application/json")  # fmt: skip
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "messaging.dispatch" in logged
    for personal in ("王芳", "13800138000", "wf@example.com", "订单A1001"):
        assert personal not in logged
