"""Ticket states: every move the workflow allows, every one it refuses (with the allowed ones
named), each audited; the SLA clocks pause while waiting; resolved tickets close by themselves."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import AuditEvent
from crm.platform.request_context import Actor, acting_as
from crm.tenancy.context import shop_scope
from tests.tickets.conftest import open_ticket
from tickets.models import Ticket, TicketStatus
from tickets.services import TicketStateError, ticket_customer_message, ticket_transition, tickets_auto_close
from tickets.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db

PATHS = {  # a way to reach each status from new
    "new": [],
    "open": ["open"],
    "waiting": ["waiting"],
    "resolved": ["resolved"],
    "closed": ["closed"],
}
ALL_MOVES = [(current, target) for current in TicketStatus.values for target in TicketStatus.values]


def _ticket_in(shop, status):
    ticket = open_ticket(shop)
    with shop_scope(shop.pk):
        for step in PATHS[status]:
            ticket_transition(shop=shop, ticket_id=ticket.pk, target=step)
    return ticket


@pytest.mark.parametrize(("current", "target"), ALL_MOVES)
def test_every_move_is_allowed_or_refused_as_the_table_says(shop, owner, current, target):
    ticket = _ticket_in(shop, current)
    with shop_scope(shop.pk), acting_as(Actor(user_id=owner.pk)):
        before = AuditEvent.objects.filter(action="ticket.transition").count()
        if target in TRANSITIONS[current]:
            moved = ticket_transition(shop=shop, ticket_id=ticket.pk, target=target)
            assert moved.status == target
            event = AuditEvent.objects.filter(action="ticket.transition").latest("pk")
            assert event.changes == {"status": [current, target]}
            assert event.actor_user_id == owner.pk
        else:
            with pytest.raises(TicketStateError) as refused:
                ticket_transition(shop=shop, ticket_id=ticket.pk, target=target)
            assert str(TicketStatus(target).label) in str(refused.value)
            assert Ticket.objects.get(pk=ticket.pk).status == current
            assert AuditEvent.objects.filter(action="ticket.transition").count() == before


def test_unknown_status_is_refused_clearly(shop, ticket):
    with shop_scope(shop.pk), pytest.raises(TicketStateError, match="Unknown status"):
        ticket_transition(shop=shop, ticket_id=ticket.pk, target="archived")


def test_waiting_pauses_the_clocks_and_leaving_it_extends_them(shop, ticket):
    with shop_scope(shop.pk):
        ticket_transition(shop=shop, ticket_id=ticket.pk, target="waiting")
        paused = Ticket.objects.get(pk=ticket.pk)
        assert paused.sla_paused_at is not None and paused.due_at is None
        Ticket.objects.filter(pk=ticket.pk).update(sla_paused_at=paused.sla_paused_at - timedelta(hours=2))
        resumed = ticket_transition(shop=shop, ticket_id=ticket.pk, target="open")
        resumed.refresh_from_db()
        assert resumed.sla_paused_at is None and resumed.sla_paused_minutes >= 119
        assert resumed.resolution_due_at - ticket.resolution_due_at >= timedelta(minutes=119)
        assert resumed.due_at is not None


def test_resolved_tickets_close_after_the_shops_days_unless_the_customer_answers(shop):
    quiet, answered, recent = (_ticket_in(shop, "resolved") for _ in range(3))
    now = timezone.now()
    with shop_scope(shop.pk):
        Ticket.objects.filter(pk__in=[quiet.pk, answered.pk]).update(resolved_at=now - timedelta(days=5))
        ticket_customer_message(shop=shop, ticket_id=answered.pk, body="还没好")
        assert tickets_auto_close(shop=shop, now=now) == 1
        statuses = dict(Ticket.objects.values_list("pk", "status"))
    assert statuses == {quiet.pk: "closed", answered.pk: "open", recent.pk: "resolved"}


def test_reopen_clears_the_resolution(shop):
    ticket = _ticket_in(shop, "closed")
    with shop_scope(shop.pk):
        reopened = ticket_transition(shop=shop, ticket_id=ticket.pk, target="open")
    assert (reopened.resolved_at, reopened.closed_at) == (None, None)
    assert reopened.next_reply_due_at is not None and reopened.resolution_due_at > timezone.now()
