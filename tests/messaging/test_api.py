"""GET /api/v1/messages/ (filters), GET /api/v1/messages/{id}/, POST .../resend/."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from crm.models import ApiKeyScope
from crm.tenancy.context import shop_scope
from messaging.models import Channel, Message, MessageStatus, Purpose
from messaging.services.outbox import message_enqueue
from tests.conftest import api_client_for

LIST = reverse("api:message-list")
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def detail(message_id, action=""):
    return reverse(f"api:message-{action or 'detail'}", kwargs={"message_id": message_id})


def make(shop, customer, *, rule="care.birthday", occasion="2026", channel=Channel.SMS, status=MessageStatus.QUEUED,
         created=None):  # fmt: skip
    with shop_scope(shop.pk):
        message = message_enqueue(shop=shop, customer=customer, rule=rule, occasion=occasion, channel=channel,
                                  purpose=Purpose.CARE, body="生日快乐")  # fmt: skip
        Message.objects.filter(pk=message.pk).update(status=status, reason="x" if status == "failed" else "",
                                                     created_at=created or message.created_at)  # fmt: skip
        return Message.objects.get(pk=message.pk)


@pytest.fixture
def admin_api_other(other_shop):
    return api_client_for(other_shop, ApiKeyScope.ADMIN)


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_filters(admin_api, shop, customer):
    birthday = make(shop, customer, created=datetime.datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI))
    after_midnight = datetime.datetime(2026, 12, 1, 0, 30, tzinfo=SHANGHAI)
    shipped = make(shop, customer, rule="care.order_shipped", occasion="A1", channel=Channel.EMAIL,
                   status=MessageStatus.SENT, created=after_midnight)  # fmt: skip
    assert ids(admin_api.get(LIST)) == [shipped.pk, birthday.pk]
    assert ids(admin_api.get(LIST, {"rule": "birthday"})) == [birthday.pk]
    assert ids(admin_api.get(LIST, {"rule": "care.order_shipped"})) == [shipped.pk]
    assert ids(admin_api.get(LIST, {"channel": "email"})) == [shipped.pk]
    assert ids(admin_api.get(LIST, {"status": "queued", "customer": customer.pk})) == [birthday.pk]
    assert ids(admin_api.get(LIST, {"created_after": "2026-12-01"})) == [shipped.pk]
    assert ids(admin_api.get(LIST, {"created_before": "2026-11-30"})) == [birthday.pk]


def test_bad_filters_are_400_naming_the_field(admin_api):
    response = admin_api.get(LIST, {"status": "lost", "created_after": "yesterday", "customer": "me"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"status", "created_after", "customer"}


def test_list_query_count_does_not_grow_with_rows(admin_api, shop, customer, django_assert_max_num_queries):
    for number in range(30):
        make(shop, customer, occasion=str(number))
    with django_assert_max_num_queries(12):
        assert len(ids(admin_api.get(LIST))) == 30


def test_storefront_keys_cannot_read_the_log(api):
    assert api.get(LIST).status_code == 403


def test_detail_shows_status_reason_and_what_was_sent(admin_api, shop, customer):
    message = make(shop, customer, status=MessageStatus.FAILED)
    body = admin_api.get(detail(message.pk)).json()
    assert (body["status"], body["reason"], body["rule"], body["customer"]) == ("failed", "x", "care.birthday",
                                                                                customer.pk)  # fmt: skip
    assert "rendered_body" in body


@pytest.mark.parametrize("status", [MessageStatus.FAILED, MessageStatus.UNKNOWN])
def test_resend_queues_failed_or_unknown(admin_api, shop, customer, status):
    message = make(shop, customer, status=status)
    response = admin_api.post(detail(message.pk, "resend"))
    assert (response.status_code, response.json()["status"], response.json()["reason"]) == (200, "queued", "")


@pytest.mark.parametrize("status", [MessageStatus.SENT, MessageStatus.QUEUED, MessageStatus.SKIPPED])
def test_resend_refuses_other_states(admin_api, shop, customer, status):
    message = make(shop, customer, status=status)
    assert admin_api.post(detail(message.pk, "resend")).status_code == 409
    with shop_scope(shop.pk):
        assert Message.objects.get(pk=message.pk).status == status


def test_agents_can_read_but_not_resend(client, agent, shop, customer):
    client.force_login(agent)
    message = make(shop, customer, status=MessageStatus.FAILED)
    staff_list = reverse("staff-api:message-list", kwargs={"shop_slug": shop.slug})
    resend = reverse("staff-api:message-resend", kwargs={"shop_slug": shop.slug, "message_id": message.pk})
    assert client.get(staff_list).status_code == 200
    assert client.post(resend).status_code == 403


def test_another_shops_messages_are_404_like_missing_and_unchanged(admin_api_other, shop, customer):
    message = make(shop, customer, status=MessageStatus.FAILED)
    for action in ("", "resend"):
        call = admin_api_other.post if action else admin_api_other.get
        foreign, missing = call(detail(message.pk, action)), call(detail(999999999, action))
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json() == missing.json()
    assert admin_api_other.get(LIST).json()["results"] == []
    assert admin_api_other.get(LIST, {"customer": customer.pk}).json()["results"] == []
    with shop_scope(shop.pk):
        assert Message.objects.get(pk=message.pk).status == MessageStatus.FAILED
