"""Care rounds end to end: rules find occasions, the outbox keeps one message per occasion,
and messaging decides at send time (consent, quiet window, targeting refusal)."""

import datetime
import io
import json
import zoneinfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from campaigns import tasks
from campaigns.services.care_messages import care_round_run
from campaigns.services.care_rules import care_rule_update
from crm.celery import app
from crm.tenancy.context import ShopScopeError, shop_scope
from customers.services.consent import customer_consent_set, customer_targeting_refusal_set
from messaging.models import Message, MessageStatus
from orders.services.lifecycle import order_status_change
from orders.services.upsert import order_upsert
from tests.customers.factories import CustomerFactory
from tests.messaging.conftest import ALL_CONSENTS, consent_grant
from tests.orders.payloads import order_payload

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MORNING = datetime.datetime(2026, 10, 10, 9, 0, tzinfo=SHANGHAI)


def rule_on(shop, kind, **changes):
    with shop_scope(shop.pk):
        care_rule_update(shop=shop, kind=kind, changes={"is_enabled": True, **changes})


def birthday_customer(shop, phone, *consents, birthday=datetime.date(1990, 10, 10)):
    with shop_scope(shop.pk):
        customer = CustomerFactory(shop=shop, name="王芳", phone=phone, birthday=birthday)
        consent_grant(shop, customer, *consents)
        return customer


def messages(shop, **filters):
    with shop_scope(shop.pk):
        return list(
            Message.objects.filter(**filters).order_by("pk").values_list("rule", "occasion", "status", "reason")
        )


def care_dispatch(*args) -> dict:
    out = io.StringIO()
    call_command("care_dispatch", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_a_birthday_round_sends_once_and_prints_its_summary(shop, other_shop, sms_outbox):
    rule_on(shop, "birthday")
    birthday_customer(shop, "+8613800138001", *ALL_CONSENTS)
    birthday_customer(shop, "+8613800138002")  # no consent at all
    birthday_customer(shop, "+8613800138003", *ALL_CONSENTS, birthday=datetime.date(1990, 10, 11))
    summary = care_dispatch(shop.slug, "--at", MORNING.isoformat())
    assert summary == {"written": 2, "queued": 0, "sent": 1, "skipped": {"no_consent": 1}, "failed": 0, "unknown": 0}
    assert [sms.text for sms in sms_outbox] == ["【Tea House】亲爱的王芳，Tea House祝您生日快乐！ 拒收请回复R"]
    again = care_dispatch(shop.slug, "--at", (MORNING + datetime.timedelta(hours=2)).isoformat())
    assert again == {"written": 0, "queued": 0, "sent": 0, "skipped": {}, "failed": 0, "unknown": 0}
    assert len(sms_outbox) == 1
    assert messages(other_shop) == []


def test_a_birthday_found_at_night_waits_for_the_quiet_window_to_end(shop, sms_outbox):
    rule_on(shop, "birthday")
    birthday_customer(shop, "+8613800138001", *ALL_CONSENTS)
    midnight = datetime.datetime(2026, 10, 10, 0, 5, tzinfo=SHANGHAI)
    assert care_round_run(shop=shop, at=midnight)["queued"] == 1
    assert sms_outbox == []
    assert care_round_run(shop=shop, at=midnight.replace(hour=8, minute=1))["sent"] == 1


def test_the_shops_own_day_and_quiet_window_in_another_timezone(shop, sms_outbox):
    shop.timezone = "America/New_York"
    shop.save(update_fields=["timezone"])
    rule_on(shop, "birthday")
    birthday_customer(shop, "+8613800138001", *ALL_CONSENTS)
    # 10 October 09:00 in Shanghai is still 9 October, 21:00, in New York: no birthday yet.
    assert care_round_run(shop=shop, at=MORNING)["written"] == 0
    new_york = zoneinfo.ZoneInfo("America/New_York")
    late = datetime.datetime(2026, 10, 10, 23, 0, tzinfo=new_york)
    assert care_round_run(shop=shop, at=late) == {
        "written": 1, "queued": 1, "sent": 0, "skipped": {}, "failed": 0, "unknown": 0
    }  # fmt: skip
    assert care_round_run(shop=shop, at=late + datetime.timedelta(hours=9, minutes=30))["sent"] == 1


def test_consent_withdrawn_after_the_occasion_was_found_is_respected(shop, sms_outbox):
    rule_on(shop, "birthday")
    customer = birthday_customer(shop, "+8613800138001", *ALL_CONSENTS)
    care_round_run(shop=shop, at=MORNING.replace(hour=1))
    with shop_scope(shop.pk):
        customer_consent_set(shop=shop, customer=customer, channel="sms", purpose="marketing", is_granted=False,
                             source="test")  # fmt: skip
    assert care_round_run(shop=shop, at=MORNING)["skipped"] == {"no_consent": 1}
    assert sms_outbox == []


def test_profiled_rules_skip_customers_who_refused_automated_targeting(shop, sms_outbox):
    rule_on(shop, "first_purchase_reactivation", days=30)
    bought = MORNING - datetime.timedelta(days=30)
    with shop_scope(shop.pk):
        refused, willing = (
            CustomerFactory(shop=shop, orders_count=1, first_order_at=bought, last_order_at=bought) for _ in range(2)
        )
        for customer in (refused, willing):
            consent_grant(shop, customer, *ALL_CONSENTS)
        customer_targeting_refusal_set(shop=shop, customer=refused, is_refused=True, source="test")
    summary = care_round_run(shop=shop, at=MORNING)
    assert (summary["written"], summary["sent"], sum(summary["skipped"].values())) == (2, 1, 1)


def test_order_stage_care_from_the_order_events_needs_care_consent_only(shop, sms_outbox):
    rule_on(shop, "order_paid")
    rule_on(shop, "after_delivery", days=7)
    now = timezone.now()
    with shop_scope(shop.pk):
        order, _ = order_upsert(shop=shop, data=order_payload("A2001", placed_at=now.isoformat()))
        consent_grant(shop, order.customer, ("sms", "care"))
        for status in ("shipped", "delivered"):
            order_status_change(shop=shop, order_id=order.pk, status=status)
    occasion = f"order:{order.pk}"
    assert messages(shop) == [
        ("care.order_paid", occasion, MessageStatus.QUEUED, ""),
        ("care.after_delivery", occasion, MessageStatus.QUEUED, ""),
    ]
    assert care_round_run(shop=shop, at=now + datetime.timedelta(minutes=1))["sent"] == 1
    assert "A2001" in sms_outbox[0].text and "98.00" in sms_outbox[0].text
    assert care_round_run(shop=shop, at=now + datetime.timedelta(days=7, minutes=1))["sent"] == 1


def test_imported_history_and_old_orders_are_not_news(shop):
    rule_on(shop, "order_paid")
    with shop_scope(shop.pk):
        order_upsert(shop=shop, data=order_payload("A2002", placed_at="2025-01-01T10:00:00+08:00"))
        order_upsert(shop=shop, data=order_payload("A2003"), source="import")
    assert messages(shop) == []


def test_the_round_task_works_for_its_shop_only(shop, other_shop, sms_outbox):
    for each in (shop, other_shop):
        rule_on(each, "birthday")
        birthday_customer(each, "+8613800138001", *ALL_CONSENTS, birthday=timezone.localdate(timezone=SHANGHAI))
    assert tasks.care_round_task(shop.pk)["written"] == 1
    assert len(messages(shop)) == 1 and messages(other_shop) == []
    with pytest.raises(ShopScopeError):
        tasks.care_round_task(None)


def test_beat_fans_out_one_round_per_shop(shop, other_shop, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.care_round_task, "delay", queued.append)
    assert tasks.care_round_dispatch_task() == 2
    assert sorted(queued) == sorted([shop.pk, other_shop.pk])
    assert app.conf.beat_schedule["campaigns-care-round"]["task"] == "campaigns.care_round_dispatch"
