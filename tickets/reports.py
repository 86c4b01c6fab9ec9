"""The service reports of a period: reads only, one SQL aggregate per table, except the reply
and resolution times, which are counted in the shop's business time (tickets/business_time.py)
per ticket and then summarised (median, p90)."""

import statistics
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Exists, F, OuterRef, Q

from crm.models import Shop
from orders.models import Order, OrderLine
from tickets.business_time import business_minutes_between
from tickets.models import SEVERITIES, CsatSurvey, SurveyStatus, Ticket, TicketCategory, TicketStatus
from tickets.services.sla import service_calendar_get, sla_policies_get

TOP_CATEGORIES = 10


@dataclass(frozen=True)
class Durations:
    """Business hours from the complaint: median and 90th percentile, and how many tickets."""

    count: int
    median_hours: float | None
    p90_hours: float | None

    @classmethod
    def of(cls, minutes: list[float]) -> "Durations":
        if not minutes:
            return cls(0, None, None)
        p90 = statistics.quantiles(minutes, n=10, method="inclusive")[8] if len(minutes) > 1 else minutes[0]
        return cls(len(minutes), round(statistics.median(minutes) / 60, 1), round(p90 / 60, 1))


@dataclass(frozen=True)
class SeverityRow:
    severity: int | None  # None: all severities
    open_now: int
    opened: int
    breached: int
    first_reply: Durations
    resolution: Durations

    @property
    def breach_rate(self) -> float | None:
        return round(100 * self.breached / self.opened, 1) if self.opened else None


def _breached(now: datetime) -> Q:
    """A target met late, or passed while the clock still runs (not while paused)."""
    running = Q(status__in=TicketStatus.active(), sla_paused_at__isnull=True)
    return (
        Q(first_replied_at__gt=F("first_reply_due_at"))
        | Q(first_replied_at__isnull=True, first_reply_due_at__lt=now) & running
        | Q(resolved_at__gt=F("resolution_due_at"))
        | Q(resolved_at__isnull=True, resolution_due_at__lt=now) & running
    )


def _durations(shop: Shop, opened: Q) -> dict[int, tuple[list[float], list[float]]]:
    calendar, policies = service_calendar_get(shop=shop), sla_policies_get(shop=shop)
    times = {severity: ([], []) for severity in SEVERITIES}
    rows = Ticket.objects.filter(opened).values_list(
        "severity", "opened_at", "first_replied_at", "resolved_at", "sla_paused_minutes"
    )
    for severity, opened_at, first_replied_at, resolved_at, paused in rows:
        hours = policies[severity].business_hours
        first_reply, resolution = times[severity]
        if first_replied_at:
            first_reply.append(business_minutes_between(calendar, opened_at, first_replied_at, business_hours=hours))
        if resolved_at:
            spent = business_minutes_between(calendar, opened_at, resolved_at, business_hours=hours)
            resolution.append(max(spent - paused, 0))
    return times


def severity_rows(*, shop: Shop, since: datetime, until: datetime, now: datetime) -> list[SeverityRow]:
    """One row per severity and a total: open now, opened in the period, breached, times."""
    opened = Q(opened_at__gte=since, opened_at__lt=until)
    counts = {
        row["severity"]: row
        for row in Ticket.objects.values("severity").annotate(
            open_now=Count("id", filter=Q(status__in=TicketStatus.active())),
            opened=Count("id", filter=opened),
            breached=Count("id", filter=opened & _breached(now)),
        )
    }
    times = _durations(shop, opened)
    rows = []
    for severity in SEVERITIES:
        row = counts.get(severity, {"open_now": 0, "opened": 0, "breached": 0})
        first_reply, resolution = times[severity]
        rows.append(SeverityRow(severity, row["open_now"], row["opened"], row["breached"],
                                Durations.of(first_reply), Durations.of(resolution)))  # fmt: skip
    every_first_reply = [minutes for first_reply, _ in times.values() for minutes in first_reply]
    every_resolution = [minutes for _, resolution in times.values() for minutes in resolution]
    total = SeverityRow(
        None, *(sum(getattr(row, name) for row in rows) for name in ("open_now", "opened", "breached")),
        Durations.of(every_first_reply), Durations.of(every_resolution),
    )  # fmt: skip
    return [*rows, total]


def top_categories(*, since: datetime, until: datetime) -> list[tuple[TicketCategory, int]]:
    counts = (
        Ticket.objects.filter(opened_at__gte=since, opened_at__lt=until)
        .values("category")
        .annotate(tickets=Count("id"))
        .order_by("-tickets", "category")[:TOP_CATEGORIES]
    )
    categories = TicketCategory.objects.in_bulk([row["category"] for row in counts])
    return [(categories[row["category"]], row["tickets"]) for row in counts]


def complaint_rate_by_product_category(*, since: datetime, until: datetime) -> list[dict]:
    """Per product category of the period's orders: orders, orders complained about, rate."""
    rows = (
        OrderLine.objects.filter(order__placed_at__gte=since, order__placed_at__lt=until)
        .exclude(category="")
        .values("category")
        .annotate(
            orders=Count("order", distinct=True),
            complained=Count("order", distinct=True, filter=Q(order__tickets__isnull=False)),
        )
        .order_by("-complained", "category")
    )
    return [{**row, "rate": round(100 * row["complained"] / row["orders"], 1)} for row in rows]


def csat_by(*, since: datetime, until: datetime, group: str) -> list[dict]:
    """Answered surveys of the period by `group` ("agent" or "category"): answers, average."""
    key = {"agent": "ticket__assignee", "category": "ticket__category"}[group]
    rows = (
        CsatSurvey.objects.filter(status=SurveyStatus.ANSWERED, answered_at__gte=since, answered_at__lt=until)
        .values(key)
        .annotate(answers=Count("id"), average=Avg("score"))
        .order_by("-answers", key)
    )
    return [{"key": row[key], "answers": row["answers"], "average": round(row["average"], 2)} for row in rows]


def complainants_bought_again(*, since: datetime, until: datetime) -> dict:
    """Customers who complained in the period, and how many ordered again after their first
    complaint of the period."""
    in_period = Q(opened_at__gte=since, opened_at__lt=until)
    earlier = Ticket.objects.filter(in_period, customer=OuterRef("customer"), opened_at__lt=OuterRef("opened_at"))
    later_order = Order.objects.filter(customer=OuterRef("customer"), placed_at__gt=OuterRef("opened_at"))
    totals = (
        Ticket.objects.filter(in_period)
        .exclude(Exists(earlier))
        .aggregate(
            customers=Count("customer", distinct=True),
            bought_again=Count("customer", distinct=True, filter=Q(Exists(later_order))),
        )
    )
    rate = round(100 * totals["bought_again"] / totals["customers"], 1) if totals["customers"] else None
    return {**totals, "rate": rate}
