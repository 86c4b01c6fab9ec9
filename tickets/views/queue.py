"""The ticket queue: views (mine, unassigned, team, breaching soon, breached, follow-ups),
filters, sorted by due time with keyset pages; keyboard shortcuts in static/js/tickets.js."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from crm.tenancy.pages import ShopPageView
from tickets.models import TicketCategory, TicketChannel, TicketStatus
from tickets.selectors import QueueInvalid, ticket_page, ticket_queryset
from tickets.services import agent_availability_set, agents_with_loads

VIEW_LABELS = (
    ("mine", gettext_lazy("Mine")),
    ("unassigned", gettext_lazy("Unassigned")),
    ("team", gettext_lazy("Team")),
    ("breaching_soon", gettext_lazy("Breaching soon")),
    ("breached", gettext_lazy("Breached")),
    ("follow_up", gettext_lazy("Follow-ups due")),
    ("closed", gettext_lazy("Resolved and closed")),
)
FILTERS = ("status", "severity", "assignee", "category", "channel", "q")


class TicketQueueView(ShopPageView, TemplateView):
    template_name = "tickets/queue.html"

    def get_context_data(self, **kwargs):
        params = self.request.GET.copy()
        params.setdefault("view", "mine")
        view = params["view"]
        page, error = None, None
        now = timezone.now()
        try:
            queryset = ticket_queryset(shop=self.shop, params=params, user=self.request.user, now=now)
            page = ticket_page(queryset, cursor=params.get("cursor") or None)
        except QueueInvalid as invalid:
            error = "; ".join(f"{key}: {' '.join(reasons)}" for key, reasons in invalid.errors.items())
        filters = {key: value for key, value in params.items() if key in FILTERS and value}
        next_url = None
        if page and page.next_cursor:
            next_url = "?" + urlencode({"view": view, **filters, "cursor": page.next_cursor})
        agents = agents_with_loads(shop=self.shop)
        return super().get_context_data(
            tickets=page.rows if page else [],
            error=error,
            view=view,
            views=[(key, label, "?" + urlencode({"view": key, **filters})) for key, label in VIEW_LABELS],
            filters=filters,
            next_url=next_url,
            is_first_page=not params.get("cursor"),
            now=now,
            statuses=TicketStatus.choices,
            channels=TicketChannel.choices,
            categories=list(TicketCategory.objects.order_by("position", "pk")),
            agents=agents,
            is_available=next((a["is_available"] for a in agents if a["user"].pk == self.request.user.pk), False),
            **kwargs,
        )


class AgentAvailabilityView(ShopPageView):
    """An agent says whether they take new tickets automatically."""

    def post(self, request, **kwargs):
        is_available = request.POST.get("is_available") == "1"
        agent_availability_set(shop=self.shop, user=request.user, is_available=is_available)
        messages.success(request, _("You take new tickets automatically.") if is_available
                         else _("You no longer take new tickets automatically."))  # fmt: skip
        return redirect(reverse("tickets:queue", kwargs={"shop_slug": self.shop.slug}))
