"""Merge, privacy export and erasure from the customer page (manager and up)."""

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.generic import TemplateView

from crm.models import Role
from crm.tenancy.pages import ShopPageView
from customers.services import MergeInvalid, customer_erase, customer_export, customer_merge
from customers.views.detail import page_customer


class CustomerMergeView(ShopPageView):
    required_role = Role.MANAGER

    def post(self, request, customer_id: int, **kwargs):
        survivor = page_customer(customer_id)
        duplicate_id = request.POST.get("duplicate_id", "")
        duplicate = page_customer(int(duplicate_id)) if duplicate_id.isdigit() and len(duplicate_id) < 18 else None
        if duplicate is None:
            messages.error(request, _("Choose the duplicate to merge."))
        else:
            try:
                customer_merge(shop=self.shop, survivor=survivor, duplicate=duplicate)
                messages.success(request, _("Merged customer #%(id)d into this profile.") % {"id": duplicate.pk})
            except MergeInvalid as invalid:
                messages.error(request, str(invalid))
        return redirect(reverse("customers:detail", kwargs={"shop_slug": self.shop.slug, "customer_id": survivor.pk}))


class CustomerPrivacyExportView(ShopPageView):
    required_role = Role.MANAGER

    def get(self, request, customer_id: int, **kwargs):
        data = customer_export(shop=self.shop, customer=page_customer(customer_id))
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="customer-{customer_id}.json"'
        return response


def erase_confirmation_word() -> str:
    """The word staff type to confirm an erasure, in the page's language ("删除" in Chinese)."""
    return pgettext("the word typed to confirm an erasure", "erase")


class CustomerEraseView(ShopPageView, TemplateView):
    required_role = Role.MANAGER
    template_name = "customers/erase_confirm.html"

    def get_context_data(self, customer_id: int, **kwargs):
        return super().get_context_data(customer=page_customer(customer_id), word=erase_confirmation_word(), **kwargs)

    def post(self, request, customer_id: int, **kwargs):
        customer = page_customer(customer_id)
        if request.POST.get("confirm", "").strip() != erase_confirmation_word():
            messages.error(request, _("Type %(word)s to confirm.") % {"word": erase_confirmation_word()})
            return redirect(
                reverse("customers:erase", kwargs={"shop_slug": self.shop.slug, "customer_id": customer.pk})
            )
        customer_erase(shop=self.shop, customer=customer)
        messages.success(request, _("The customer's personal data was erased."))
        return redirect(reverse("customers:detail", kwargs={"shop_slug": self.shop.slug, "customer_id": customer.pk}))
