"""The customers list page: search, filters, tags, bulk tag, CSV export, cursor paging."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from crm.channels import Channel
from crm.models import Role
from crm.tenancy.access import has_role
from crm.tenancy.pages import ShopPageView
from customers.csv_export import customer_csv_response
from customers.filters import FilterInvalid
from customers.models import Tag
from customers.registry import FILTER_CONTROLS
from customers.selectors import DEFAULT_PAGE_SIZE, CursorInvalid, customer_list, customer_queryset
from customers.services import customers_tag, customers_untag


class CustomerListView(ShopPageView, TemplateView):
    template_name = "customers/list.html"

    def get_context_data(self, **kwargs):
        params = self.request.GET
        page, error = None, None
        try:
            page = customer_list(
                shop=self.shop,
                params=params,
                cursor=params.get("cursor") or None,
                size=DEFAULT_PAGE_SIZE,
                ordering="-id",
            )
        except FilterInvalid as invalid:
            error = ", ".join(invalid.errors)
        except CursorInvalid:
            error = "cursor"
        filters = {key: value for key, value in params.items() if key != "cursor"}
        next_url = f"?{urlencode({**filters, 'cursor': page.next_cursor})}" if page and page.next_cursor else None
        return super().get_context_data(
            customers=page.rows if page else [],
            error=error,
            filters=filters,
            query_string=urlencode(filters),
            next_url=next_url,
            is_first_page=not params.get("cursor"),
            tags=list(Tag.objects.order_by("name")),
            channels=Channel.choices,
            filter_controls=[(controls, controls.read(shop=self.shop)) for controls in FILTER_CONTROLS.values()],
            can_export=has_role(self.membership, Role.MANAGER),
            **kwargs,
        )


class CustomerCsvExportView(ShopPageView):
    required_role = Role.MANAGER  # every customer's phone and email at once

    def get(self, request, **kwargs):
        try:
            queryset = customer_queryset(shop=self.shop, params=request.GET)
        except FilterInvalid:
            messages.error(request, _("Some filters are not valid."))
            return redirect(reverse("customers:list", kwargs={"shop_slug": self.shop.slug}))
        return customer_csv_response(shop=self.shop, queryset=queryset)


class CustomerBulkTagView(ShopPageView):
    def post(self, request, **kwargs):
        back = reverse("customers:list", kwargs={"shop_slug": self.shop.slug})
        back += "?" + request.POST.get("return_query", "") if request.POST.get("return_query") else ""
        tag = Tag.objects.filter(pk=_int(request.POST.get("tag_id"))).first()
        ids = [value for value in (_int(raw) for raw in request.POST.getlist("customer_ids")) if value]
        if tag is None or not ids:
            messages.error(request, _("Choose a tag and at least one customer."))
            return redirect(back)
        if request.POST.get("action") == "remove":
            changed = customers_untag(shop=self.shop, tag=tag, customer_ids=ids)
            messages.success(request, _("Removed the tag from %(count)d customers.") % {"count": changed})
        else:
            changed = customers_tag(shop=self.shop, tag=tag, customer_ids=ids, source="staff")
            messages.success(request, _("Tagged %(count)d customers.") % {"count": changed})
        return redirect(back)


def _int(raw) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 18 else None
