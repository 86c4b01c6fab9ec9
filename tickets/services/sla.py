"""The SLA clocks of a ticket, called by the workflow at each moment that moves them; the
caller saves the ticket. Targets per severity, in calendar time."""

from datetime import datetime, timedelta

# severity -> (first reply, next reply, resolution) in minutes
DEFAULT_TARGETS = {1: (30, 60, 480), 2: (60, 240, 1440), 3: (240, 480, 2880), 4: (480, 1440, 4320)}


def _targets(ticket) -> tuple[timedelta, timedelta, timedelta]:
    return tuple(timedelta(minutes=minutes) for minutes in DEFAULT_TARGETS[ticket.severity])


def sla_on_open(ticket) -> None:
    first_reply, _next_reply, resolution = _targets(ticket)
    ticket.first_reply_due_at = ticket.opened_at + first_reply
    ticket.resolution_due_at = ticket.opened_at + resolution


def sla_on_public_reply(ticket, *, at: datetime) -> None:
    if ticket.first_replied_at is None:
        ticket.first_replied_at = at
    ticket.next_reply_due_at = None


def sla_on_customer_message(ticket, *, at: datetime) -> None:
    ticket.next_reply_due_at = at + _targets(ticket)[1]


def sla_on_status_change(ticket, *, old: str, new: str, at: datetime) -> None:
    if old == new:
        return
    if old == "waiting" and ticket.sla_paused_at is not None:
        paused = max(at - ticket.sla_paused_at, timedelta(0))
        ticket.sla_paused_minutes += int(paused.total_seconds() // 60)
        ticket.sla_paused_at = None
        for field in ("first_reply_due_at", "next_reply_due_at", "resolution_due_at"):
            if getattr(ticket, field) is not None:
                setattr(ticket, field, getattr(ticket, field) + paused)
    if new == "waiting":
        ticket.sla_paused_at = at
    elif new in ("resolved", "closed"):
        ticket.next_reply_due_at = None
    elif old in ("resolved", "closed"):
        _first_reply, next_reply, resolution = _targets(ticket)
        ticket.next_reply_due_at = at + next_reply
        ticket.resolution_due_at = at + resolution


def sla_on_severity_change(ticket, *, at: datetime) -> None:
    first_reply, _next_reply, resolution = _targets(ticket)
    ticket.first_reply_due_at = ticket.opened_at + first_reply + timedelta(minutes=ticket.sla_paused_minutes)
    ticket.resolution_due_at = ticket.opened_at + resolution + timedelta(minutes=ticket.sla_paused_minutes)
