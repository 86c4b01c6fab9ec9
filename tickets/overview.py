"""What the SLA side of tickets adds to the shop overview's "needs attention": tickets that
missed a target in the last day and are still being worked on (the in-app escalation)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop
from crm.platform.overview import Attention
from tickets.services.breaches import sla_notices_recent, ticket_url

RECENT_BREACH_HOURS = 24


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
