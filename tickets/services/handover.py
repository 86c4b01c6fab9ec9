"""Shift handover notes and follow-up reminders: what the next person on a ticket should know."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop, User
from crm.platform.text import text_problem
from crm.shops.audit import audit_event_record
from tickets.models import Ticket, TicketStatus

MAX_HANDOVER = 2000


class HandoverInvalid(ValueError):
    pass


@transaction.atomic
def ticket_handover_set(*, shop: Shop, ticket_ids: list[int], note: str, user: User) -> int:
    """Leave `note` (blank clears it) on the tickets; returns how many were changed."""
    note = (note or "").strip()
    if len(note) > MAX_HANDOVER or text_problem(note):
        raise HandoverInvalid(_("Text of at most %(limit)d characters.") % {"limit": MAX_HANDOVER})
    now = timezone.now()
    tickets = list(Ticket.objects.select_for_update(of=("self",)).filter(pk__in=ticket_ids).order_by("pk"))
    for ticket in tickets:
        ticket.handover_note, ticket.handover_by, ticket.handover_at = note, user if note else None, now
        ticket.save(update_fields=["handover_note", "handover_by", "handover_at"])
        audit_event_record(action="ticket.handover", obj=ticket, changes={"has_note": bool(note)})
    return len(tickets)


def my_open_ticket_ids(*, user: User) -> list[int]:
    return list(Ticket.objects.filter(assignee=user, status__in=TicketStatus.active()).values_list("pk", flat=True))


@transaction.atomic
def ticket_follow_up_done(*, shop: Shop, ticket_id: int) -> Ticket:
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)
    if ticket.follow_up_due_at is not None:
        ticket.follow_up_due_at = None
        ticket.save(update_fields=["follow_up_due_at"])
        audit_event_record(action="ticket.follow_up_done", obj=ticket)
    return ticket
