"""What tickets add to the shop overview: open tickets by severity, and the tickets breaching
their due times (registered in TicketsConfig.ready)."""

from django.urls import reverse
from django.utils.translation import ngettext

from crm.models import Shop
from crm.platform.overview import Attention
from tickets.selectors import breaching_count, open_tickets_by_severity, pending_approvals


def overview_open_tickets(shop: Shop) -> dict[int, int] | None:
    counts = open_tickets_by_severity(shop=shop)
    return counts if any(counts.values()) else None


def overview_ticket_attention(shop: Shop) -> list[Attention]:
    items = []
    queue = reverse("tickets:queue", kwargs={"shop_slug": shop.slug})
    if breaching := breaching_count(shop=shop):
        items.append(Attention(
            text=ngettext("%(count)d ticket is breaching or about to breach its due time.",
                          "%(count)d tickets are breaching or about to breach their due times.", breaching)
            % {"count": breaching},
            url=f"{queue}?view=breached", is_urgent=True,
        ))  # fmt: skip
    if waiting := len(pending_approvals(shop=shop)):
        items.append(Attention(
            text=ngettext("%(count)d compensation awaits a manager's approval.",
                          "%(count)d compensations await a manager's approval.", waiting) % {"count": waiting},
            url=f"{queue}?view=team",
        ))  # fmt: skip
    return items
