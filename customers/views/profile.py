"""Creating a customer and editing a profile from the pages, with the reasons of a refusal
shown on the field they concern."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from crm.tenancy.pages import ShopPageView
from customers.forms import CustomerCreateForm, CustomerProfileForm
from customers.services import ProfileInvalid, customer_create, customer_update
from customers.views.detail import page_customer

PROFILE_FIELDS = ("name", "phone", "email", "gender", "birthday", "province", "city", "district", "language")


def _detail_url(shop, customer) -> str:
    return reverse("customers:detail", kwargs={"shop_slug": shop.slug, "customer_id": customer.pk})


class CustomerCreateView(ShopPageView, TemplateView):
    template_name = "customers/profile_form.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", CustomerCreateForm())
        return super().get_context_data(**kwargs)

    def post(self, request, **kwargs):
        form = CustomerCreateForm(request.POST)
        if form.is_valid():
            data = {name: value for name, value in form.cleaned_data.items() if value not in ("", None)}
            data["channel"] = data["source_channel"]
            try:
                customer, created = customer_create(shop=self.shop, data=data)
            except ProfileInvalid as invalid:
                form.add_service_errors(invalid.errors)
            else:
                if created:
                    messages.success(request, _("Customer created."))
                else:
                    messages.info(request, _("This person is already a customer: here is their profile."))
                return redirect(_detail_url(self.shop, customer))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CustomerEditView(ShopPageView, TemplateView):
    template_name = "customers/profile_form.html"

    def get_context_data(self, **kwargs):
        customer = page_customer(self.kwargs["customer_id"])
        initial = {name: getattr(customer, name) for name in PROFILE_FIELDS}
        kwargs.setdefault("form", CustomerProfileForm(initial=initial))
        return super().get_context_data(customer=customer, **kwargs)

    def post(self, request, customer_id: int, **kwargs):
        customer = page_customer(customer_id)
        initial = {name: getattr(customer, name) for name in PROFILE_FIELDS}
        form = CustomerProfileForm(request.POST, initial=initial)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                customer_update(shop=self.shop, customer=customer, data=data)
            except ProfileInvalid as invalid:
                form.add_service_errors(invalid.errors)
            else:
                messages.success(request, _("Profile saved."))
                return redirect(_detail_url(self.shop, customer))
        return self.render_to_response(self.get_context_data(form=form), status=400)
