"""What tickets add to the shop overview: open tickets by severity; in "needs attention",
the tickets about to breach a due time, compensation awaiting approval, and the tickets that
missed a target in the last day and are still being worked on (the in-app escalation)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.models import Shop
from crm.platform.overview import Attention
from tickets.selectors import breaching_soon_count, open_tickets_by_severity, pending_approvals
from tickets.services.breaches import sla_notices_recent, ticket_url

RECENT_BREACH_HOURS = 24


def overview_open_tickets(shop: Shop) -> dict[int, int] | None:
    counts = open_tickets_by_severity(shop=shop)
    return counts if any(counts.values()) else None


def overview_ticket_attention(shop: Shop) -> list[Attention]:
    items = []
    queue = reverse("tickets:queue", kwargs={"shop_slug": shop.slug})
    if soon := breaching_soon_count(shop=shop):
        items.append(Attention(
            text=ngettext("%(count)d ticket is about to breach its due time.",
                          "%(count)d tickets are about to breach their due times.", soon) % {"count": soon},
            url=f"{queue}?view=breaching_soon", is_urgent=True,
        ))  # fmt: skip
    if waiting := len(pending_approvals(shop=shop)):
        items.append(Attention(
            text=ngettext("%(count)d compensation awaits a manager's approval.",
                          "%(count)d compensations await a manager's approval.", waiting) % {"count": waiting},
            url=f"{queue}?view=team",
        ))  # fmt: skip
    return items


def overview_sla_breaches(shop: Shop) -> list[Attention]:
    notices = sla_notices_recent(shop=shop, since=timezone.now() - timedelta(hours=RECENT_BREACH_HOURS))
    return [
        Attention(
            text=_("Ticket #%(number)s missed its %(target)s target (due %(due)s).")
            % {
                "number": notice.ticket.number,
                "target": notice.get_target_display(),
                "due": timezone.localtime(notice.due_at, shop.tzinfo).strftime("%m-%d %H:%M"),
            },
            url=ticket_url(shop, notice.ticket),
            is_urgent=True,
        )
        for notice in notices
    ]
