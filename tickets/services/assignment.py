"""Who works on a ticket: chosen by a person, or automatically the least-loaded available
agent (round-robin among equals) below the shop's open-ticket cap.

Automatic assignment locks the shop's available agents' rows (AgentState) for its
transaction, so concurrent assignments take turns: each sees the others' tickets, no agent
goes over the cap, and the ticket row's own lock gives it one owner."""

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Membership, Shop, User
from crm.shops.audit import audit_event_record
from tickets.models import AgentState, Ticket, TicketStatus
from tickets.services.settings import ticket_settings_get


class AssignmentError(Exception):
    pass


def _ticket_locked(ticket_id: int) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)


def agent_loads(user_ids: list[int]) -> dict[int, int]:
    """Each agent's active tickets."""
    rows = (
        Ticket.objects.filter(assignee_id__in=user_ids, status__in=TicketStatus.active())
        .values("assignee_id")
        .annotate(load=Count("id"))
    )
    return {row["assignee_id"]: row["load"] for row in rows}


def _assign(ticket: Ticket, user_id: int | None, *, how: str) -> None:
    old = ticket.assignee_id
    ticket.assignee_id, ticket.updated_at = user_id, timezone.now()
    ticket.save(update_fields=["assignee", "updated_at"])
    audit_event_record(action="ticket.assign", obj=ticket, changes={"assignee": [old, user_id], "how": how})


@transaction.atomic
def ticket_auto_assign(*, shop: Shop, ticket_id: int) -> Ticket:
    """Give an unassigned ticket to the available agent with the fewest active tickets (the
    one assigned longest ago among equals); AssignmentError when every agent is at the cap."""
    members = Membership.objects.values("user_id")
    agents = list(AgentState.objects.select_for_update().filter(is_available=True, user_id__in=members).order_by("pk"))
    ticket = _ticket_locked(ticket_id)
    if ticket.assignee_id is not None:
        return ticket
    cap = ticket_settings_get(shop=shop).agent_open_cap
    loads = agent_loads([agent.user_id for agent in agents])
    candidates = [agent for agent in agents if loads.get(agent.user_id, 0) < cap]
    if not candidates:
        raise AssignmentError(_("No available agent is below the cap of %(cap)d open tickets.") % {"cap": cap})
    chosen = min(
        candidates,
        key=lambda agent: (loads.get(agent.user_id, 0), agent.last_assigned_at is not None, agent.last_assigned_at,
                           agent.pk),
    )  # fmt: skip
    chosen.last_assigned_at = timezone.now()
    chosen.save(update_fields=["last_assigned_at"])
    _assign(ticket, chosen.user_id, how="auto")
    return ticket


@transaction.atomic
def ticket_assign(*, shop: Shop, ticket_id: int, user: User | None) -> Ticket:
    """Give the ticket to a member of the shop chosen by a person (None: unassign)."""
    if user is not None and not Membership.objects.filter(user=user).exists():
        raise AssignmentError(_("This person is not a member of the shop."))
    ticket = _ticket_locked(ticket_id)
    if ticket.assignee_id != (user.pk if user else None):
        _assign(ticket, user.pk if user else None, how="manual")
    return ticket


@transaction.atomic
def agent_availability_set(*, shop: Shop, user: User, is_available: bool) -> AgentState:
    state, _created = AgentState.objects.get_or_create(shop=shop, user=user)
    if state.is_available != is_available:
        state.is_available = is_available
        state.save(update_fields=["is_available"])
        audit_event_record(action="tickets.agent_availability", obj=state, changes={"is_available": is_available})
    return state


def agents_with_loads(*, shop: Shop) -> list[dict]:
    """The shop's members with their availability and active tickets, for pages."""
    memberships = list(Membership.objects.select_related("user").order_by("user__full_name", "user__email"))
    states = {state.user_id: state for state in AgentState.objects.all()}
    loads = agent_loads([membership.user_id for membership in memberships])
    return [
        {
            "user": membership.user,
            "role": membership.role,
            "is_available": membership.user_id in states and states[membership.user_id].is_available,
            "load": loads.get(membership.user_id, 0),
        }
        for membership in memberships
    ]
