"""Opening a ticket from the queue, a customer's page (?customer=<id>) or an order's page
(?order=<external id>)."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from crm.tenancy.access import get_for_shop
from crm.tenancy.pages import ShopPageView
from customers.models import Customer
from orders.models import Order
from tickets.forms import TicketForm
from tickets.models import TicketCategory
from tickets.services import (
    AttachmentInvalid,
    TicketInvalid,
    attachment_add,
    customer_from_payload,
    ticket_clean,
    ticket_open,
    ticket_settings_get,
)


class TicketCreateView(ShopPageView, TemplateView):
    template_name = "tickets/new.html"

    def _known(self, source):
        """The customer and order the page was opened for, if any."""
        order = get_for_shop(Order, external_id=source["order"]) if source.get("order") else None
        if order is not None:
            return order.customer, order
        customer_id = source.get("customer")
        return (get_for_shop(Customer, pk=customer_id) if customer_id else None), None

    def _categories(self):
        ticket_settings_get(shop=self.shop)
        return list(TicketCategory.objects.filter(is_active=True).order_by("position", "pk"))

    def get_context_data(self, **kwargs):
        customer, order = self._known(self.request.GET)
        form = kwargs.pop("form", None) or TicketForm(
            categories=self._categories(), initial={"order_external_id": order.external_id if order else ""}
        )
        return super().get_context_data(form=form, customer=customer, order=order, **kwargs)

    def post(self, request, **kwargs):
        customer, order = self._known(request.POST)
        form = TicketForm(request.POST, categories=self._categories())
        if form.is_valid():
            try:
                ticket = self._open(form.cleaned_data, customer, request.FILES.getlist("files"))
            except TicketInvalid as invalid:
                form.add_service_errors(invalid.errors)
            else:
                messages.success(request, _("Ticket #%(number)d opened.") % {"number": ticket.number})
                return redirect(reverse("tickets:detail", kwargs={"shop_slug": self.shop.slug,
                                                                  "ticket_id": ticket.pk}))  # fmt: skip
        context = self.get_context_data(form=form)
        context.update(customer=customer, order=order)
        return self.render_to_response(context, status=400)

    @transaction.atomic
    def _open(self, data: dict, customer: Customer | None, uploads: list):
        if customer is None:
            customer = customer_from_payload(
                shop=self.shop, channel=data["channel"],
                raw={"phone": data["customer_phone"], "email": data["customer_email"], "name": data["customer_name"]},
            )  # fmt: skip
        raw = {**data, "opened_at": data["opened_at"] or None, "severity": data["severity"]}
        clean = ticket_clean(shop=self.shop, raw=raw, customer=customer, can_set_severity=True, now=timezone.now())
        ticket = ticket_open(shop=self.shop, customer=customer, clean=clean, actor_user=self.request.user)
        for upload in uploads:
            try:
                attachment_add(shop=self.shop, ticket=ticket, upload=upload, user=self.request.user)
            except AttachmentInvalid as error:
                raise TicketInvalid({"files": [f"{upload.name}: {error}"]}) from None
        return ticket
