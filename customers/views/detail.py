"""The customer 360 page and its htmx parts: notes, tags, consent. It shows the newest
orders and refunds and links to the orders list filtered to the customer for the rest."""

from django.http import Http404
from django.shortcuts import render
from django.views.generic import TemplateView

from crm.models import Role, role_at_least
from crm.tenancy.access import get_for_shop
from crm.tenancy.pages import ShopPageView
from customers.models import ConsentChannel, ConsentPurpose, Customer, Tag
from customers.selectors import customer_duplicate_candidates, customer_overview
from customers.selectors.overview import customer_consent_state, customer_notes, customer_tags
from customers.services import (
    NoteInvalid,
    customer_consent_set,
    customer_note_add,
    customer_targeting_refusal_set,
    customers_tag,
    customers_untag,
)


def page_customer(customer_id: int) -> Customer:
    """A live customer of the shop in scope; merged-away and other shops' ids are 404."""
    customer = get_for_shop(Customer, pk=customer_id)
    if customer.merged_into_id is not None:
        raise Http404("customer not found")
    return customer


class CustomerDetailView(ShopPageView, TemplateView):
    template_name = "customers/detail.html"

    def get_context_data(self, customer_id: int, **kwargs):
        customer = page_customer(customer_id)
        return super().get_context_data(
            **customer_overview(shop=self.shop, customer=customer),
            duplicates=customer_duplicate_candidates(customer=customer),
            all_tags=list(Tag.objects.order_by("name")),
            can_manage=role_at_least(self.membership.role, Role.MANAGER),
            **kwargs,
        )


class CustomerNoteAddView(ShopPageView):
    def post(self, request, customer_id: int, **kwargs):
        customer = page_customer(customer_id)
        error = None
        try:
            customer_note_add(shop=self.shop, customer=customer, author=request.user, body=request.POST.get("body", ""))
        except NoteInvalid as invalid:
            error = str(invalid)
        context = {"customer": customer, "notes": customer_notes(customer), "note_error": error}
        return render(request, "customers/_notes.html", context, status=400 if error else 200)


class CustomerTagEditView(ShopPageView):
    def post(self, request, customer_id: int, **kwargs):
        customer = page_customer(customer_id)
        tag_id = request.POST.get("tag_id", "")
        tag = get_for_shop(Tag, pk=tag_id) if tag_id.isdigit() else None
        if tag is not None and request.POST.get("action") == "remove":
            customers_untag(shop=self.shop, tag=tag, customer_ids=[customer.pk])
        elif tag is not None:
            customers_tag(shop=self.shop, tag=tag, customer_ids=[customer.pk], source="staff")
        context = {
            "customer": customer,
            "tags": customer_tags(customer),
            "all_tags": list(Tag.objects.order_by("name")),
        }
        return render(request, "customers/_tags.html", context)


class CustomerConsentView(ShopPageView):
    def post(self, request, customer_id: int, **kwargs):
        customer = page_customer(customer_id)
        channel, purpose = request.POST.get("channel"), request.POST.get("purpose")
        granted = request.POST.get("is_granted") == "true"
        if channel in ConsentChannel.values and purpose in ConsentPurpose.values:
            customer_consent_set(
                shop=self.shop, customer=customer, channel=channel, purpose=purpose, is_granted=granted, source="staff"
            )
        elif "is_automated_targeting_refused" in request.POST:
            refused = request.POST["is_automated_targeting_refused"] == "true"
            customer_targeting_refusal_set(shop=self.shop, customer=customer, is_refused=refused, source="staff")
        context = {"customer": customer, "consent": customer_consent_state(customer)}
        return render(request, "customers/_consent.html", context)
