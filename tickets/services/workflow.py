"""Moving a ticket through its states, changing its severity, closing resolved tickets the
customer did not answer. Every change is audited in the same transaction."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop, User
from crm.platform.locks import rows_claim
from crm.platform.text import text_required
from crm.shops.audit import audit_event_record
from tickets.models import Ticket, TicketStatus
from tickets.services.csat import survey_cancel_unsent, survey_schedule
from tickets.services.settings import ticket_settings_get
from tickets.services.sla import sla_on_severity_change, sla_on_status_change
from tickets.workflow import RESOLVED, is_reopen, transition_check

AUTO_CLOSE_BATCH = 500


def ticket_locked(ticket_id: int) -> Ticket:
    """The ticket of the shop in scope, locked for this transaction (Ticket.DoesNotExist otherwise)."""
    return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)


def status_apply(ticket: Ticket, target: str, *, at: datetime) -> None:
    """Move a locked ticket to `target` (checked), with its clocks, survey and audit; no save."""
    old = ticket.status
    transition_check(old, target)
    settings = ticket_settings_get(shop=ticket.shop)
    sla_on_status_change(ticket, old=old, new=target, at=at)
    ticket.status, ticket.updated_at = target, at
    if target == RESOLVED:
        ticket.resolved_at = at
        ticket.resolution_count += 1
        ticket.follow_up_due_at = at + timedelta(days=settings.follow_up_days)
        survey_schedule(ticket, ticket_settings=settings, at=at)
    elif target == TicketStatus.CLOSED:
        ticket.closed_at = at
    if is_reopen(old, target):
        ticket.resolved_at = ticket.closed_at = ticket.follow_up_due_at = None
        survey_cancel_unsent(ticket, at=at)
    audit_event_record(action="ticket.transition", obj=ticket, changes={"status": [old, target]})


@transaction.atomic
def ticket_transition(*, shop: Shop, ticket_id: int, target: str) -> Ticket:
    """Raises TicketStateError (a move the workflow refuses) or Ticket.DoesNotExist."""
    ticket = ticket_locked(ticket_id)
    status_apply(ticket, target, at=timezone.now())
    ticket.save()
    return ticket


@transaction.atomic
def ticket_severity_set(*, shop: Shop, ticket_id: int, severity: int, reason: str, user: User | None) -> Ticket:
    """A person's grade replaces the computed one; the reason is required and audited."""
    if type(severity) is not int or not 1 <= severity <= 4:
        raise ValueError(_("An integer from 1 (most urgent) to 4."))
    reason = text_required(reason, max_length=300)
    ticket = ticket_locked(ticket_id)
    old = ticket.severity
    now = timezone.now()
    ticket.severity, ticket.severity_reason, ticket.severity_set_by, ticket.updated_at = severity, reason, user, now
    sla_on_severity_change(ticket, at=now)
    ticket.save()
    audit_event_record(action="ticket.severity", obj=ticket, changes={"severity": [old, severity], "reason": reason})
    return ticket


def tickets_auto_close(*, shop: Shop, now: datetime) -> int:
    """Close the resolved tickets nobody answered for the shop's N days; each claimed row by
    row (two runs at once close each ticket once). Returns how many were closed."""
    settings = ticket_settings_get(shop=shop)
    cutoff = now - timedelta(days=settings.auto_close_days)
    with transaction.atomic():
        claimed = rows_claim(
            Ticket.objects.filter(status=RESOLVED, resolved_at__lte=cutoff).order_by("resolved_at")[:AUTO_CLOSE_BATCH]
        )
        for ticket in claimed:
            status_apply(ticket, TicketStatus.CLOSED, at=now)
            ticket.save()
    return len(claimed)
