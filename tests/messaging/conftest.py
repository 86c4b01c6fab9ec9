"""Fixtures for messaging/ tests: customers who agreed to messages, and SMS kept in memory."""

import pytest

from crm.tenancy.context import shop_scope
from customers.services.consent import customer_consent_set
from messaging.channels import sms
from tests.customers.factories import CustomerFactory


def consent_grant(shop, customer, *pairs):
    for channel, purpose in pairs:
        customer_consent_set(shop=shop, customer=customer, channel=channel, purpose=purpose, is_granted=True,
                             source="test")  # fmt: skip


ALL_CONSENTS = (("email", "marketing"), ("email", "care"), ("sms", "marketing"), ("sms", "care"))


def consenting_customer(shop, **fields):
    with shop_scope(shop.pk):
        customer = CustomerFactory(shop=shop, **fields)
        consent_grant(shop, customer, *ALL_CONSENTS)
        return customer


@pytest.fixture
def customer(shop):
    return consenting_customer(shop, name="王芳", phone="+8613800138000", email="wf@example.com")


@pytest.fixture
def other_customer(other_shop):
    return consenting_customer(other_shop, name="李雷", phone="+8613900139000", email="ll@example.com")


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "messaging.channels.sms.LocmemSmsBackend"
    sms.sms_outbox.clear()
    yield sms.sms_outbox
    sms.sms_outbox.clear()
