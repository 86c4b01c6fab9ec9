"""Assignment: to the least-loaded available agent, round-robin among equals, never over the
cap; by hand to members only. Concurrent automatic assignments (real threads) never give a
ticket two owners or an agent more than the cap."""

from collections import Counter

import pytest

from crm.models import AuditEvent, Role
from crm.tenancy.context import shop_scope
from tests.concurrency import run_in_threads
from tests.conftest import make_shop, make_user
from tests.tickets.conftest import open_ticket
from tickets.models import Ticket, TicketStatus
from tickets.services import (
    AssignmentError,
    agent_availability_set,
    ticket_assign,
    ticket_auto_assign,
    ticket_settings_get,
    ticket_settings_update,
    ticket_transition,
)


def _agents(shop, count: int, prefix: str = "a"):
    users = [make_user(f"{prefix}{n}@{shop.slug}.example", Role.AGENT, shop) for n in range(count)]
    with shop_scope(shop.pk):
        for user in users:
            agent_availability_set(shop=shop, user=user, is_available=True)
    return users


@pytest.mark.django_db
def test_round_robin_among_equally_loaded_agents_then_least_loaded(shop):
    first, second, third = _agents(shop, 3)
    tickets = [open_ticket(shop, customer={"email": f"c{n}@x.example"}) for n in range(4)]
    with shop_scope(shop.pk):
        owners = [ticket_auto_assign(shop=shop, ticket_id=ticket.pk).assignee_id for ticket in tickets[:3]]
        assert sorted(owners) == sorted([first.pk, second.pk, third.pk])
        ticket_transition(shop=shop, ticket_id=tickets[1].pk, target="resolved")  # second's load drops
        assert ticket_auto_assign(shop=shop, ticket_id=tickets[3].pk).assignee_id == owners[1]
        assert AuditEvent.objects.filter(action="ticket.assign", changes__how="auto").count() == 4


@pytest.mark.django_db
def test_unavailable_agents_and_agents_at_the_cap_get_nothing(shop):
    busy, away = _agents(shop, 2)
    with shop_scope(shop.pk):
        agent_availability_set(shop=shop, user=away, is_available=False)
        ticket_settings_update(shop=shop, values={"agent_open_cap": 1})
    first, second = open_ticket(shop), open_ticket(shop, customer={"email": "b@x.example"})
    with shop_scope(shop.pk):
        assert ticket_auto_assign(shop=shop, ticket_id=first.pk).assignee_id == busy.pk
        with pytest.raises(AssignmentError, match="cap of 1"):
            ticket_auto_assign(shop=shop, ticket_id=second.pk)
        assert Ticket.objects.get(pk=second.pk).assignee_id is None


@pytest.mark.django_db
def test_an_assigned_ticket_keeps_its_owner_on_auto_assign(shop, agent):
    (other,) = _agents(shop, 1)
    ticket = open_ticket(shop)
    with shop_scope(shop.pk):
        ticket_assign(shop=shop, ticket_id=ticket.pk, user=agent)
        assert ticket_auto_assign(shop=shop, ticket_id=ticket.pk).assignee_id == agent.pk


@pytest.mark.django_db
def test_new_tickets_are_assigned_on_intake_when_the_shop_says_so(shop):
    (agent,) = _agents(shop, 1)
    with shop_scope(shop.pk):
        ticket_settings_update(shop=shop, values={"auto_assign_new": True})
    assert open_ticket(shop).assignee_id == agent.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_auto_assignment_never_two_owners_never_over_the_cap():
    shop = make_shop("tickets-assign-race", "owner@tickets-assign-race.example")
    agents = _agents(shop, 3)
    with shop_scope(shop.pk):
        ticket_settings_update(shop=shop, values={"agent_open_cap": 3})
    tickets = [open_ticket(shop, customer={"email": f"r{n}@x.example"}) for n in range(12)]

    def assign(index: int):
        results = []
        # each ticket is claimed by two threads at once; 12 tickets, 9 places under the cap
        for ticket in tickets[index % 6 :: 6] + tickets[(index + 3) % 6 :: 6]:
            try:
                with shop_scope(shop.pk):
                    results.append((ticket.pk, ticket_auto_assign(shop=shop, ticket_id=ticket.pk).assignee_id))
            except AssignmentError:
                results.append((ticket.pk, None))
        return results

    run_in_threads(assign, 12)

    with shop_scope(shop.pk):
        loads = Counter(
            Ticket.objects.filter(status__in=TicketStatus.active(), assignee__isnull=False).values_list(
                "assignee_id", flat=True
            )
        )
        assert loads == {agent.pk: 3 for agent in agents}
        assignments = AuditEvent.objects.filter(action="ticket.assign")
        # one assignment per assigned ticket: nobody's ticket was taken over
        assert Counter(assignments.values_list("object_id", flat=True)).most_common(1)[0][1] == 1
        assert assignments.count() == 9
        assert ticket_settings_get(shop=shop).agent_open_cap == 3
