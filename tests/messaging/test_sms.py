"""SMS through the Aliyun adapter (against a local stand-in speaking its protocol) and the
signed opt-out callback."""

import datetime
import json
import zoneinfo

from crm.tenancy.context import shop_scope
from customers.models import CustomerConsent
from messaging.models import Channel, Message, MessageStatus, Purpose
from messaging.services.dispatch import outbox_dispatch
from messaging.services.outbox import message_enqueue
from messaging.services.sms_replies import sms_callback_signature
from tests.messaging.aliyun_standin import aliyun  # noqa: F401 (fixture)

NOON = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


def enqueue(shop, customer, *, purpose=Purpose.CARE, occasion="o1"):
    with shop_scope(shop.pk):
        return message_enqueue(shop=shop, customer=customer, rule="care.test", occasion=occasion, channel=Channel.SMS,
                               purpose=purpose, body="{customer_name}，您的包裹已签收", send_after=NOON)  # fmt: skip


def status_of(shop, message):
    with shop_scope(shop.pk):
        found = Message.objects.get(pk=message.pk)
        return found.status, found.reason, found.provider_message_id


def test_aliyun_receives_a_signed_sendsms_with_the_shops_signature(shop, customer, aliyun):  # noqa: F811
    care = enqueue(shop, customer)
    marketing = enqueue(shop, customer, purpose=Purpose.MARKETING, occasion="o2")
    assert outbox_dispatch(shop, now=NOON)["sent"] == 2
    first, second = aliyun.received
    assert (first["Action"], first["Version"], first["PhoneNumbers"], first["SignName"], first["TemplateCode"]) == (
        "SendSms", "2017-05-25", "13800138000", "Tea House", "SMS_1001"
    )  # fmt: skip
    assert json.loads(first["TemplateParam"]) == {"content": "王芳，您的包裹已签收"}
    assert (second["TemplateCode"], json.loads(second["TemplateParam"])["content"]) == (
        "SMS_2002", "王芳，您的包裹已签收 拒收请回复R"
    )  # fmt: skip
    assert status_of(shop, care) == (MessageStatus.SENT, "", "biz1")
    assert status_of(shop, marketing)[0] == MessageStatus.SENT


def test_provider_errors_are_retried_then_fail_visibly(shop, customer, aliyun):  # noqa: F811
    aliyun.answers = [(503, {"Code": "ServiceUnavailable"})] * 3
    message = enqueue(shop, customer)
    now = NOON
    for _attempt in range(3):
        outbox_dispatch(shop, now=now)
        now += datetime.timedelta(hours=1)
    assert status_of(shop, message)[:2] == (MessageStatus.FAILED, "attempt 3: aliyun: HTTP 503")
    assert aliyun.received == []


def test_a_rejected_number_fails_at_once_and_a_throttle_is_retried(shop, customer, aliyun):  # noqa: F811
    aliyun.answers = [(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL"}), (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL"})]
    rejected, throttled = enqueue(shop, customer), enqueue(shop, customer, occasion="o2")
    summary = outbox_dispatch(shop, now=NOON)
    assert (summary["failed"], summary["queued"]) == (1, 1)
    assert status_of(shop, rejected)[:2] == (MessageStatus.FAILED, "attempt 1: aliyun: isv.MOBILE_NUMBER_ILLEGAL")
    assert outbox_dispatch(shop, now=NOON + datetime.timedelta(minutes=5))["sent"] == 1
    assert status_of(shop, throttled)[0] == MessageStatus.SENT


def test_a_wrong_secret_is_refused_by_the_provider(shop, customer, aliyun, settings):  # noqa: F811
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "not-the-secret"
    message = enqueue(shop, customer)
    assert outbox_dispatch(shop, now=NOON)["failed"] == 1
    assert status_of(shop, message)[1] == "attempt 1: aliyun: SignatureDoesNotMatch"


def callback_url(shop_id, signature=None):
    return f"/hooks/sms/{shop_id}/{signature or sms_callback_signature(shop_id)}/"


def reply(client, url, phone="13800138000", content="R"):
    body = [{"phone_number": phone, "content": content, "send_time": "2026-12-06 12:00:00", "dest_code": "1234",
             "sequence_id": 1}]  # fmt: skip
    return client.post(url, json.dumps(body), content_type="application/json")


def sms_marketing_granted(shop, customer):
    with shop_scope(shop.pk):
        return CustomerConsent.objects.get(customer=customer, channel="sms", purpose="marketing").is_granted


def test_reply_r_withdraws_sms_marketing_consent_at_once(shop, customer, client):
    response = reply(client, callback_url(shop.pk))
    assert (response.status_code, response.json()["code"]) == (200, 0)
    assert not sms_marketing_granted(shop, customer)
    with shop_scope(shop.pk):
        consent = CustomerConsent.objects.get(customer=customer, channel="sms", purpose="marketing")
        care = CustomerConsent.objects.get(customer=customer, channel="sms", purpose="care")
    assert (consent.source, care.is_granted) == ("sms reply", True)


def test_other_replies_change_nothing(shop, customer, client):
    assert reply(client, callback_url(shop.pk), content="谢谢").status_code == 200
    assert sms_marketing_granted(shop, customer)


def test_bad_signature_or_another_shops_url_is_refused(shop, customer, other_shop, other_customer, client):
    for url in (callback_url(shop.pk, "0" * 40), callback_url(other_shop.pk, sms_callback_signature(shop.pk)),
                callback_url(999999)):  # fmt: skip
        assert reply(client, url).status_code == 403
    # Shop B's genuine URL reaching a number that only shop A has changes nothing in A.
    assert reply(client, callback_url(other_shop.pk)).status_code == 200
    assert sms_marketing_granted(shop, customer)


def test_malformed_push_is_a_400(shop, client):
    response = client.post(callback_url(shop.pk), "{not json", content_type="application/json")
    assert response.status_code == 400
