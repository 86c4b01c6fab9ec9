"""The shop's service calendar and SLA policy, and the SLA clocks of a ticket: the hooks are
called by the workflow at each moment that moves a clock; the caller saves the ticket. Due
times count open time of the shop's calendar when the severity's policy says business hours.

A pause (waiting on the customer) adds the open time it lasted to `sla_paused_minutes`, so
a due time counted from `opened_at` is `target + paused` of open time after it."""

from dataclasses import dataclass
from datetime import datetime

import chinese_calendar
from django.db import transaction
from django.utils import timezone

from crm.models import Shop
from crm.shops.audit import audit_event_record
from tickets.business_time import (
    Calendar,
    business_minutes_add,
    business_minutes_between,
    calendar_document,
    calendar_parse,
    due_after_pause,
)
from tickets.models import DEFAULT_SLA, SEVERITIES, ServiceCalendar, SlaPolicy

SLA_FIELDS = ("first_reply_minutes", "next_reply_minutes", "resolution_minutes", "business_hours")
MAX_TARGET_MINUTES = 365 * 24 * 60


@dataclass(frozen=True)
class Targets:
    first_reply_minutes: int
    next_reply_minutes: int
    resolution_minutes: int
    business_hours: bool
    warning_minutes: int


class SlaDocumentError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --- reading and writing the shop's calendar and policy -----------------------------------


def service_calendar_get(*, shop: Shop) -> Calendar:
    row = ServiceCalendar.objects.filter(shop=shop).first()
    if row is None:
        return Calendar(timezone=shop.timezone)
    document = {"weekly": row.weekly, "holidays": row.holidays, "workdays": row.workdays}
    if row.workday_periods:
        document["workday_periods"] = row.workday_periods
    return calendar_parse(document, timezone=shop.timezone)


@transaction.atomic
def service_calendar_set(*, shop: Shop, document) -> Calendar:
    """Replace the shop's calendar; raises CalendarError naming the bad field. Audited.
    Due times already set stay; tickets pick the new hours up at their next SLA moment."""
    calendar = calendar_parse(document, timezone=shop.timezone)
    stored = calendar_document(calendar)
    before = calendar_document(service_calendar_get(shop=shop))
    ServiceCalendar.objects.update_or_create(shop=shop, defaults={**stored, "updated_at": timezone.now()})
    changes = {name: {"old": before[name], "new": stored[name]} for name in stored if before[name] != stored[name]}
    audit_event_record(action="service.calendar_set", obj=shop, changes=changes)
    return calendar


def china_calendar_years() -> list[int]:
    """The years whose official holidays and make-up workdays chinese-calendar knows."""
    return sorted({day.year for day in chinese_calendar.holidays})


def service_calendar_add_china_days(*, shop: Shop, year: int) -> Calendar:
    """Add China's public holidays and make-up workdays (调休) of `year`, as the State Council
    published them (the chinese-calendar package), to the shop's calendar; the shop edits
    them afterwards like any other day."""
    document = calendar_document(service_calendar_get(shop=shop))
    for name, official in (("holidays", chinese_calendar.holidays), ("workdays", chinese_calendar.workdays)):
        days = {day.isoformat() for day in official if day.year == year}
        document[name] = sorted(set(document[name]) | days)
    return service_calendar_set(shop=shop, document=document)


def sla_policies_get(*, shop: Shop) -> dict[int, Targets]:
    policies = {}
    for severity, (first_reply, next_reply, resolution, warning) in DEFAULT_SLA.items():
        policies[severity] = Targets(first_reply, next_reply, resolution, True, warning)
    for row in SlaPolicy.objects.filter(shop=shop):
        policies[row.severity] = Targets(
            row.first_reply_minutes, row.next_reply_minutes, row.resolution_minutes, row.business_hours,
            row.warning_minutes,
        )  # fmt: skip
    return policies


def sla_document(policies: dict[int, Targets]) -> dict:
    return {str(severity): vars(targets).copy() for severity, targets in sorted(policies.items())}


def _minutes(value, field: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SlaDocumentError(field, "Give a whole number of minutes.")
    if not minimum <= value <= MAX_TARGET_MINUTES:
        raise SlaDocumentError(field, f"Give between {minimum} and {MAX_TARGET_MINUTES} minutes.")
    return value


def _targets_parse(value, severity: str, current: Targets) -> Targets:
    if not isinstance(value, dict):
        raise SlaDocumentError(severity, "Give an object of targets.")
    for name in value:
        if name not in (*SLA_FIELDS, "warning_minutes"):
            raise SlaDocumentError(f"{severity}.{name}", "Unknown field.")
    for name in SLA_FIELDS:
        if name not in value:
            raise SlaDocumentError(f"{severity}.{name}", "This field is required.")
    if not isinstance(value["business_hours"], bool):
        raise SlaDocumentError(f"{severity}.business_hours", "Give true or false.")
    minutes = {name: _minutes(value[name], f"{severity}.{name}", minimum=1) for name in SLA_FIELDS[:3]}
    warning = _minutes(value.get("warning_minutes", current.warning_minutes), f"{severity}.warning_minutes", minimum=0)
    return Targets(**minutes, business_hours=value["business_hours"], warning_minutes=warning)


def sla_policies_parse(document, *, current: dict[int, Targets]) -> dict[int, Targets]:
    """The policies of an API document: every severity 1-4 with all four targets
    (`warning_minutes` optional); raises SlaDocumentError naming the first bad field."""
    if not isinstance(document, dict):
        raise SlaDocumentError("sla", "Send a JSON object.")
    for key in document:
        if key not in {str(severity) for severity in SEVERITIES}:
            raise SlaDocumentError(key, "Unknown severity; use 1, 2, 3 or 4.")
    for severity in SEVERITIES:
        if str(severity) not in document:
            raise SlaDocumentError(str(severity), "This severity is required.")
    return {
        severity: _targets_parse(document[str(severity)], str(severity), current[severity]) for severity in SEVERITIES
    }


@transaction.atomic
def sla_policies_set(*, shop: Shop, document) -> dict[int, Targets]:
    """Replace the shop's SLA targets; raises SlaDocumentError naming the bad field. Audited."""
    before = sla_policies_get(shop=shop)
    policies = sla_policies_parse(document, current=before)
    for severity, targets in policies.items():
        SlaPolicy.objects.update_or_create(shop=shop, severity=severity, defaults=vars(targets))
    old, new = sla_document(before), sla_document(policies)
    changes = {key: {"old": old[key], "new": new[key]} for key in new if old[key] != new[key]}
    audit_event_record(action="service.sla_set", obj=shop, changes=changes)
    return policies


# --- the clocks of a ticket -----------------------------------------------------------------


def _clock(ticket) -> tuple[Calendar, Targets]:
    return service_calendar_get(shop=ticket.shop), sla_policies_get(shop=ticket.shop)[ticket.severity]


def _after_open_time(ticket, calendar: Calendar, targets: Targets, minutes: int) -> datetime:
    return business_minutes_add(
        calendar, ticket.opened_at, minutes + ticket.sla_paused_minutes, business_hours=targets.business_hours
    )


def sla_on_open(ticket) -> None:
    calendar, targets = _clock(ticket)
    ticket.first_reply_due_at = _after_open_time(ticket, calendar, targets, targets.first_reply_minutes)
    ticket.resolution_due_at = _after_open_time(ticket, calendar, targets, targets.resolution_minutes)


def sla_on_public_reply(ticket, *, at: datetime) -> None:
    if ticket.first_replied_at is None:
        ticket.first_replied_at = at
    ticket.next_reply_due_at = None


def sla_on_customer_message(ticket, *, at: datetime) -> None:
    calendar, targets = _clock(ticket)
    ticket.next_reply_due_at = business_minutes_add(
        calendar, at, targets.next_reply_minutes, business_hours=targets.business_hours
    )


def _resume(ticket, calendar: Calendar, targets: Targets, at: datetime) -> None:
    """Carry each running due time over the pause by the open time it had left."""
    paused_at, hours = ticket.sla_paused_at, targets.business_hours
    paused = business_minutes_between(calendar, paused_at, at, business_hours=hours)
    ticket.sla_paused_minutes += max(int(paused), 0)
    ticket.sla_paused_at = None
    for field in ("first_reply_due_at", "next_reply_due_at", "resolution_due_at"):
        due_at = getattr(ticket, field)
        if due_at is not None:
            setattr(ticket, field, due_after_pause(calendar, due_at, paused_at, at, business_hours=hours))


def sla_on_status_change(ticket, *, old: str, new: str, at: datetime) -> None:
    """Paused while waiting on the customer; a reopened ticket gets fresh reply and
    resolution targets from the reopening."""
    if old == new:
        return
    calendar, targets = _clock(ticket)
    if old == "waiting" and ticket.sla_paused_at is not None:
        _resume(ticket, calendar, targets, at)
    if new == "waiting":
        ticket.sla_paused_at = at
    elif new in ("resolved", "closed"):
        ticket.next_reply_due_at = None
    elif old in ("resolved", "closed"):
        hours = targets.business_hours
        ticket.next_reply_due_at = business_minutes_add(calendar, at, targets.next_reply_minutes, business_hours=hours)
        ticket.resolution_due_at = business_minutes_add(calendar, at, targets.resolution_minutes, business_hours=hours)


def sla_on_severity_change(ticket, *, at: datetime) -> None:
    """The new severity's targets, counted from when the customer complained."""
    calendar, targets = _clock(ticket)
    ticket.first_reply_due_at = _after_open_time(ticket, calendar, targets, targets.first_reply_minutes)
    ticket.resolution_due_at = _after_open_time(ticket, calendar, targets, targets.resolution_minutes)
