"""Reads for tickets: the queue (views, filters, keyset pages sorted by due time), one
ticket with everything its page shows, a customer's tickets, counts for the overview."""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import AuditEvent, Shop, User
from customers.models import Customer
from insights.labels import segment_label
from insights.selectors import customer_scores_for_page
from orders.selectors import order_list_for_customer
from orders.validation import datetime_parse
from tickets.models import (
    Compensation,
    CompensationStatus,
    CsatSurvey,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketMessage,
    TicketStatus,
)
from tickets.services.sla import sla_policies_get

QUEUE_VIEWS = ("mine", "unassigned", "team", "breaching_soon", "breached", "follow_up", "closed")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
RECENT_CUSTOMER_TICKETS = 10


class QueueInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class Page:
    rows: list[Ticket]
    next_cursor: str | None


def _int_param(params, name: str, errors: dict, *, low: int = 1, high: int | None = None) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    if not str(raw).isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        errors[name] = [_("An integer from %(low)d to %(high)s.") % {"low": low, "high": high or "…"}]
        return None
    return int(raw)


def warning_window(shop: Shop, now: datetime) -> Q:
    """Tickets whose running due time is at most their severity's warning time away (the SLA
    policy's, as the breach scanner warns) or already passed."""
    return reduce(
        or_,
        (Q(severity=severity, due_at__lte=now + timedelta(minutes=targets.warning_minutes))
         for severity, targets in sla_policies_get(shop=shop).items()),
    )  # fmt: skip


def ticket_queryset(*, shop: Shop, params, user: User | None = None, now: datetime | None = None) -> QuerySet:
    """Tickets matching the query parameters: view, status, severity, assignee ("none" for
    unassigned), customer, category, channel, breaching ("true"), q (number or subject)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    match = Q()
    view = params.get("view") or ""
    if view and view not in QUEUE_VIEWS:
        errors["view"] = [_("Must be one of: %(choices)s.") % {"choices": ", ".join(QUEUE_VIEWS)}]
    active = Q(status__in=TicketStatus.active())
    match &= {
        "mine": active & Q(assignee_id=user.pk if user else None),
        "unassigned": active & Q(assignee__isnull=True),
        "team": active,
        "breaching_soon": Q(due_at__gt=now) & warning_window(shop, now),
        "breached": Q(due_at__lte=now),
        "follow_up": Q(follow_up_due_at__lte=now),
        "closed": Q(status__in=(TicketStatus.RESOLVED, TicketStatus.CLOSED)),
    }.get(view, Q())
    statuses = [status for status in (params.get("status") or "").split(",") if status]
    if any(status not in TicketStatus.values for status in statuses):
        errors["status"] = [_("Must be among: %(choices)s.") % {"choices": ", ".join(TicketStatus.values)}]
    elif statuses:
        match &= Q(status__in=statuses)
    if (severity := _int_param(params, "severity", errors, high=4)) is not None:
        match &= Q(severity=severity)
    if params.get("assignee") == "none":
        match &= Q(assignee__isnull=True)
    elif (assignee := _int_param(params, "assignee", errors)) is not None:
        match &= Q(assignee_id=assignee)
    if (customer := _int_param(params, "customer", errors)) is not None:
        match &= Q(customer_id=customer)
    if (category := _int_param(params, "category", errors)) is not None:
        match &= Q(category_id=category)
    if params.get("channel"):
        match &= Q(channel=params["channel"])
    breaching = params.get("breaching")
    if breaching not in (None, "", "true", "false"):
        errors["breaching"] = [_('"true" or "false".')]
    elif breaching == "true":
        match &= warning_window(shop, now)
    elif breaching == "false":
        match &= ~warning_window(shop, now) | Q(due_at__isnull=True)
    if query := (params.get("q") or "").strip():
        number = query.lstrip("#")
        match &= Q(number=int(number)) if number.isdigit() and len(number) < 10 else Q(subject__icontains=query)
    if errors:
        raise QueueInvalid(errors)
    return Ticket.objects.filter(match)


def _cursor_encode(ticket: Ticket) -> str:
    due = ticket.due_at.isoformat() if ticket.due_at else "~"
    return base64.urlsafe_b64encode(f"{due}|{ticket.pk}".encode()).decode()


def _cursor_condition(cursor: str) -> Q:
    try:
        due, _sep, ticket_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        ticket_id = int(ticket_id)
        if due == "~":
            return Q(due_at__isnull=True, pk__gt=ticket_id)
        due_at = datetime_parse(due, timezone.get_current_timezone())
    except (ValueError, UnicodeError, binascii.Error):
        raise QueueInvalid({"cursor": [_("The page link is out of date; start from the first page.")]}) from None
    return Q(due_at__gt=due_at) | Q(due_at=due_at, pk__gt=ticket_id) | Q(due_at__isnull=True)


def ticket_page(queryset: QuerySet, *, cursor: str | None, size: int = PAGE_SIZE) -> Page:
    """One keyset page sorted by due time (the soonest first, tickets with no running clock
    last), then id."""
    if cursor:
        queryset = queryset.filter(_cursor_condition(cursor))
    related = queryset.select_related("customer", "category", "assignee", "order")
    rows = list(related.order_by("due_at", "pk")[: size + 1])
    next_cursor = _cursor_encode(rows[size - 1]) if len(rows) > size else None
    return Page(rows=rows[:size], next_cursor=next_cursor)


def ticket_detail(*, shop: Shop, ticket: Ticket) -> dict:
    """Everything the ticket page shows besides the ticket."""
    customer = ticket.customer
    scores = customer_scores_for_page(shop=shop, customer=customer)
    current = scores["current"]
    return {
        "messages": list(TicketMessage.objects.filter(ticket=ticket).select_related("author").order_by("created_at")),
        "attachments": list(TicketAttachment.objects.filter(ticket=ticket).order_by("created_at")),
        "compensations": list(
            Compensation.objects.filter(ticket=ticket).select_related("requested_by").order_by("created_at")
        ),  # fmt: skip
        "surveys": list(CsatSurvey.objects.filter(ticket=ticket).order_by("resolution")),
        "history": list(
            AuditEvent.objects.filter(object_type="tickets.ticket", object_id=str(ticket.pk))
            .select_related("actor_user")
            .order_by("created_at")[:100]
        ),
        "segment": segment_label(current.segment) if current else "",
        "clv": current.clv_12m if current else None,
        "churn_risk": bool(current and current.churn_risk) or ticket.is_active,
        "recent_orders": order_list_for_customer(shop=shop, customer_id=customer.pk, limit=5),
        "earlier_tickets": customer_tickets(shop=shop, customer=customer, exclude=ticket),
    }


def customer_tickets(*, shop: Shop, customer: Customer, exclude: Ticket | None = None) -> list[Ticket]:
    tickets = Ticket.objects.filter(customer=customer).select_related("customer", "category", "assignee", "order")
    if exclude is not None:
        tickets = tickets.exclude(pk=exclude.pk)
    return list(tickets.order_by("-opened_at")[:RECENT_CUSTOMER_TICKETS])


def customer_tickets_section(*, shop: Shop, customer: Customer) -> dict:
    """The customer 360's tickets section."""
    tickets = customer_tickets(shop=shop, customer=customer)
    return {"customer_id": customer.pk, "tickets": tickets, "open_complaint": any(t.is_active for t in tickets)}


def customer_tickets_export(*, shop: Shop, customer: Customer) -> list[dict]:
    """The customer's tickets and their conversation, for a privacy export."""
    tickets = Ticket.objects.filter(customer=customer).select_related("category").order_by("opened_at")
    messages = TicketMessage.objects.filter(ticket__in=tickets).exclude(kind="note").order_by("created_at")
    by_ticket: dict[int, list[dict]] = {}
    for message in messages:
        by_ticket.setdefault(message.ticket_id, []).append(
            {"kind": message.kind, "body": message.body, "created_at": message.created_at.isoformat()}
        )
    return [
        {
            "number": ticket.number, "subject": ticket.subject, "description": ticket.description,
            "category": ticket.category.code, "status": ticket.status, "opened_at": ticket.opened_at.isoformat(),
            "messages": by_ticket.get(ticket.pk, []),
        }
        for ticket in tickets
    ]  # fmt: skip


def open_tickets_by_severity(*, shop: Shop) -> dict[int, int]:
    rows = Ticket.objects.filter(status__in=TicketStatus.active()).values("severity").annotate(n=Count("id"))
    counts = dict.fromkeys(range(1, 5), 0)
    counts.update({row["severity"]: row["n"] for row in rows})
    return counts


def breaching_soon_count(*, shop: Shop, now: datetime | None = None) -> int:
    """Tickets whose next due time is within the warning window and not passed yet."""
    now = now or timezone.now()
    return Ticket.objects.filter(Q(due_at__gt=now) & warning_window(shop, now)).count()


def recovery_costs(*, shop: Shop, since: datetime, until: datetime) -> list[dict]:
    """What service recovery cost, per month (shop time) and category: the compensation given
    (applied) in the period, its amount and points."""
    rows = (
        Compensation.objects.filter(status=CompensationStatus.APPLIED, created_at__gte=since, created_at__lt=until)
        .annotate(month=TruncMonth("created_at", tzinfo=shop.tzinfo))
        .values("month", "ticket__category_id")
        .annotate(count=Count("id"), amount=Sum("amount"), points=Sum("points"))
        .order_by("-month", "-amount")
    )
    categories = TicketCategory.objects.in_bulk([row["ticket__category_id"] for row in rows])
    return [{**row, "category": categories[row["ticket__category_id"]]} for row in rows]


def pending_approvals(*, shop: Shop) -> list[Compensation]:
    return list(
        Compensation.objects.filter(status=CompensationStatus.PENDING_APPROVAL)
        .select_related("ticket", "requested_by").order_by("created_at")
    )  # fmt: skip


def open_severe_complaints(shop: Shop, customer_ids: list[int]) -> dict[int, str]:
    """The marketing suppressor: customers with an active ticket of severity 1-2 -> why."""
    rows = (
        Ticket.objects.filter(customer_id__in=customer_ids, status__in=TicketStatus.active(), severity__lte=2)
        .order_by("customer_id", "severity")
        .values_list("customer_id", "number", "severity")
    )
    held: dict[int, str] = {}
    for customer_id, number, severity in rows:
        held.setdefault(customer_id, f"open complaint #{number} (severity {severity})")
    return held
