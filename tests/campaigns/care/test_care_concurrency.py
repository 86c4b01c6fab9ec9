"""Rounds racing each other (beat firing twice, two workers): one message per occasion, sent once."""

import datetime
import zoneinfo

import pytest

from campaigns.models import CareRule
from campaigns.services.care_messages import care_round_run
from campaigns.services.care_rules import care_rule_update
from crm.tenancy.context import shop_scope
from messaging.models import Message, MessageStatus
from tests.concurrency import run_in_threads
from tests.customers.factories import CustomerFactory
from tests.messaging.conftest import ALL_CONSENTS, consent_grant

MORNING = datetime.datetime(2026, 10, 10, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db(transaction=True)
def test_four_rounds_at_once_send_each_birthday_once(shop, sms_outbox):
    with shop_scope(shop.pk):
        care_rule_update(shop=shop, kind="birthday", changes={"is_enabled": True, "channels": ["sms"]})
        for index in range(30):
            customer = CustomerFactory(shop=shop, phone=f"+86138001{index:05d}", birthday=datetime.date(1991, 10, 10))
            consent_grant(shop, customer, *ALL_CONSENTS)
    summaries = run_in_threads(lambda index: care_round_run(shop=shop, at=MORNING), threads=4)
    assert sum(summary["written"] for summary in summaries) == 30
    assert sum(summary["sent"] for summary in summaries) == 30
    assert len(sms_outbox) == 30 and len({sms.to for sms in sms_outbox}) == 30
    with shop_scope(shop.pk):
        assert Message.objects.filter(status=MessageStatus.SENT).count() == 30
        assert CareRule.objects.get(kind="birthday").scanned_on == MORNING.date()
