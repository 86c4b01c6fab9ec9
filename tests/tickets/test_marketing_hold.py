"""While a customer has an open severity 1-2 complaint, marketing to them is held (the
tickets suppressor registered with messaging); care and service messages still go."""

import datetime

import pytest

from crm.tenancy.context import shop_scope
from messaging.models import Channel, Message, MessageStatus, Purpose
from messaging.services.dispatch import outbox_dispatch
from messaging.services.outbox import message_enqueue
from tests.customers.factories import CustomerFactory
from tests.messaging.conftest import ALL_CONSENTS, consent_grant
from tests.tickets.conftest import open_ticket
from tickets.services import ticket_transition

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture
def customer(shop):
    with shop_scope(shop.pk):
        customer = CustomerFactory(shop=shop, name="王芳", phone="+8613800138000", email="")
        consent_grant(shop, customer, *ALL_CONSENTS)
    return customer


def _enqueue(shop, customer, purpose, occasion):
    with shop_scope(shop.pk):
        return message_enqueue(
            shop=shop,
            customer=customer,
            rule="campaigns.test",
            occasion=occasion,
            channel=Channel.SMS,
            purpose=purpose,
            body="{customer_name}您好",
            send_after=NOON,
        )


def _status(shop, message):
    with shop_scope(shop.pk):
        return Message.objects.values_list("status", "reason").get(pk=message.pk)


def test_marketing_waits_out_an_open_severe_complaint_care_does_not(shop, customer, settings):
    settings.SMS_BACKEND = "messaging.channels.sms.LocmemSmsBackend"
    ticket = open_ticket(shop, customer={"phone": "13800138000"}, channel="social", description="假货，找媒体曝光")
    assert ticket.customer_id == customer.pk and ticket.severity <= 2
    marketing = _enqueue(shop, customer, Purpose.MARKETING, "m1")
    care = _enqueue(shop, customer, Purpose.CARE, "c1")
    with shop_scope(shop.pk):
        outbox_dispatch(shop, now=NOON)
    assert _status(shop, marketing) == (MessageStatus.SKIPPED, f"open complaint #{ticket.number} (severity "
                                                               f"{ticket.severity})")  # fmt: skip
    assert _status(shop, care)[0] == MessageStatus.SENT

    with shop_scope(shop.pk):
        ticket_transition(shop=shop, ticket_id=ticket.pk, target="resolved")
    later = _enqueue(shop, customer, Purpose.MARKETING, "m2")
    with shop_scope(shop.pk):
        outbox_dispatch(shop, now=NOON)
    assert _status(shop, later)[0] == MessageStatus.SENT


def test_a_mild_complaint_does_not_hold_marketing(shop, customer, settings):
    settings.SMS_BACKEND = "messaging.channels.sms.LocmemSmsBackend"
    ticket = open_ticket(shop, customer={"phone": "13800138000"}, description="颜色和图片有点不一样")
    assert ticket.severity >= 3
    marketing = _enqueue(shop, customer, Purpose.MARKETING, "m1")
    with shop_scope(shop.pk):
        outbox_dispatch(shop, now=NOON)
    assert _status(shop, marketing)[0] == MessageStatus.SENT
