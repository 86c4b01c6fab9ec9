"""The SLA hooks the ticket workflow calls, against a shop with office hours."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.tickets.sla.factories import TicketFactory
from tickets.services.sla import (
    service_calendar_set,
    sla_document,
    sla_on_customer_message,
    sla_on_open,
    sla_on_public_reply,
    sla_on_severity_change,
    sla_on_status_change,
    sla_policies_get,
    sla_policies_set,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = [["09:00", "12:00"], ["13:00", "18:00"]]


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def office_shop(in_shop):
    weekdays = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), OFFICE)
    service_calendar_set(shop=in_shop, document={"weekly": weekdays, "holidays": ["2026-12-08"]})
    return in_shop


def opened(shop, when, severity=2):
    ticket = TicketFactory.build(shop=shop, opened_at=when, severity=severity)
    sla_on_open(ticket)
    return ticket


def test_opened_friday_evening_is_due_in_monday_business_time(office_shop):
    ticket = opened(office_shop, at("2026-12-11 19:30"))  # severity 2: 60 min reply, 1440 min resolution
    assert ticket.first_reply_due_at == at("2026-12-14 10:00")
    assert ticket.resolution_due_at == at("2026-12-16 18:00")  # three 8-hour days: Monday to Wednesday


def test_calendar_time_severity_ignores_the_office_hours(office_shop):
    document = sla_document(sla_policies_get(shop=office_shop))
    document["2"]["business_hours"] = False
    sla_policies_set(shop=office_shop, document=document)
    ticket = opened(office_shop, at("2026-12-11 19:30"))
    assert ticket.first_reply_due_at == at("2026-12-11 20:30")


def test_waiting_on_the_customer_pauses_every_clock(office_shop):
    ticket = opened(office_shop, at("2026-12-07 09:00"))
    sla_on_public_reply(ticket, at=at("2026-12-07 09:30"))
    sla_on_status_change(ticket, old="open", new="waiting", at=at("2026-12-07 10:00"))
    assert ticket.sla_paused_at == at("2026-12-07 10:00")
    # Paused for Monday's remaining 7 hours, the holiday, and Wednesday's first hour.
    sla_on_status_change(ticket, old="waiting", new="open", at=at("2026-12-09 10:00"))
    assert ticket.sla_paused_at is None and ticket.sla_paused_minutes == 480
    assert ticket.resolution_due_at == at("2026-12-11 18:00")  # 23 of 24 open hours left from Wed 10:00


def test_customer_message_sets_next_reply_in_business_time_and_reply_clears_it(office_shop):
    ticket = opened(office_shop, at("2026-12-07 09:00"))
    sla_on_customer_message(ticket, at=at("2026-12-07 17:30"))  # severity 2: 240 min
    assert ticket.next_reply_due_at == at("2026-12-09 13:30")  # 30 min on Monday, 210 on Wednesday over lunch
    sla_on_public_reply(ticket, at=at("2026-12-09 09:05"))
    assert ticket.next_reply_due_at is None and ticket.first_replied_at == at("2026-12-09 09:05")


def test_reopen_restarts_reply_and_resolution_from_the_reopening(office_shop):
    ticket = opened(office_shop, at("2026-12-07 09:00"), severity=1)
    sla_on_status_change(ticket, old="open", new="resolved", at=at("2026-12-07 11:00"))
    sla_on_status_change(ticket, old="resolved", new="open", at=at("2026-12-07 17:45"))
    assert ticket.next_reply_due_at == at("2026-12-09 09:45")  # 60 min: 15 on Monday, 45 on Wednesday
    assert ticket.resolution_due_at == at("2026-12-09 17:45")


def test_severity_change_recounts_from_the_complaint(office_shop):
    ticket = opened(office_shop, at("2026-12-07 09:00"), severity=4)
    ticket.severity = 1
    sla_on_severity_change(ticket, at=at("2026-12-07 09:10"))
    assert ticket.first_reply_due_at == at("2026-12-07 09:30")
    assert ticket.resolution_due_at == at("2026-12-07 18:00")
