"""Staff pages for orders: list (filters, search, cursor paging, export), detail, and the
CSV import page with its live progress (htmx polling)."""

import base64
from datetime import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from crm.models import Role
from crm.tenancy.access import get_for_shop, has_role
from crm.tenancy.pages import ShopPageView
from orders.csv_export import order_csv_response
from orders.filters import FilterInvalid, OrderFilters, order_filters_parse
from orders.models import ImportJob, OrderChannel, OrderStatus
from orders.selectors import import_job_list, order_detail, order_list
from orders.services import order_refunded_amount
from orders.services.imports import IMPORT_MAX_BYTES, import_job_create, import_progress

PAGE_SIZE = 50


def _filters_or_error(request, shop) -> tuple[OrderFilters, str | None]:
    try:
        return order_filters_parse(request.GET, shop.tzinfo), None
    except FilterInvalid as invalid:
        return OrderFilters(), ", ".join(invalid.errors)


def _cursor_encode(placed_at: datetime, order_id: int) -> str:
    return base64.urlsafe_b64encode(f"{placed_at.isoformat()}|{order_id}".encode()).decode()


def _cursor_decode(raw: str) -> Q | None:
    """The keyset condition for rows after the cursor; None for a malformed cursor."""
    try:
        placed, _, order_id = base64.urlsafe_b64decode(raw.encode()).decode().partition("|")
        placed_at, order_id = datetime.fromisoformat(placed), int(order_id)
    except ValueError:
        return None
    return Q(placed_at__lt=placed_at) | Q(placed_at=placed_at, id__lt=order_id)


class OrderListView(ShopPageView, TemplateView):
    template_name = "orders/list.html"

    def get_context_data(self, **kwargs):
        filters, error = _filters_or_error(self.request, self.shop)
        orders = order_list(shop=self.shop, filters=filters)
        cursor = self.request.GET.get("cursor", "")
        after = _cursor_decode(cursor) if cursor else None
        if after is not None:
            orders = orders.filter(after)
        rows = list(orders[: PAGE_SIZE + 1])
        query = filters.as_params()
        next_url = None
        if len(rows) > PAGE_SIZE:
            rows = rows[:PAGE_SIZE]
            next_url = "?" + urlencode({**query, "cursor": _cursor_encode(rows[-1].placed_at, rows[-1].pk)})
        return super().get_context_data(
            orders=rows,
            filters=self.request.GET,
            error=error,
            query_string=urlencode(query),
            next_url=next_url,
            is_first_page=not cursor,
            statuses=OrderStatus.choices,
            channels=OrderChannel.choices,
            can_export=has_role(self.membership, Role.MANAGER),
            **kwargs,
        )


class OrderDetailView(ShopPageView, TemplateView):
    template_name = "orders/detail.html"

    def get_context_data(self, **kwargs):
        order = order_detail(shop=self.shop, key=self.kwargs["key"])
        refunded = order_refunded_amount(order)
        return super().get_context_data(order=order, refunded=refunded, refundable=order.total - refunded, **kwargs)


class OrderExportView(ShopPageView):
    required_role = Role.MANAGER

    def get(self, request, **kwargs):
        filters, error = _filters_or_error(request, self.shop)
        if error:
            messages.error(request, _("Some filters are not valid."))
            return redirect(reverse("orders:list", kwargs={"shop_slug": self.shop.slug}))
        return order_csv_response(shop=self.shop, filters=filters)


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    default_channel = forms.ChoiceField(
        label=gettext_lazy("Channel for rows without one"), choices=OrderChannel.choices, initial=OrderChannel.WEB
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Upload a .csv file."))
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB; split it into smaller files.")
                % {"limit": IMPORT_MAX_BYTES // 2**20}
            )
        return upload


class OrderImportView(ShopPageView, TemplateView):
    required_role = Role.MANAGER
    template_name = "orders/import.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ImportForm())
        return super().get_context_data(jobs=import_job_list(shop=self.shop), **kwargs)

    def post(self, request, **kwargs):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        job = import_job_create(
            shop=self.shop,
            upload=form.cleaned_data["file"],
            default_channel=form.cleaned_data["default_channel"],
            created_by=request.user,
        )
        return redirect(reverse("orders:import-job", kwargs={"shop_slug": self.shop.slug, "job_id": job.pk}))


class ImportJobView(ShopPageView, TemplateView):
    """The job page; with `?partial=1` (htmx polling) only the progress and results."""

    required_role = Role.MANAGER

    def get_template_names(self):
        return ["orders/_import_progress.html" if self.request.GET.get("partial") else "orders/import_job.html"]

    def get_context_data(self, **kwargs):
        job = get_for_shop(ImportJob, pk=self.kwargs["job_id"])
        progress = import_progress(job)
        percent = round(100 * progress["processed"] / progress["total"]) if progress["total"] else 0
        return super().get_context_data(job=job, progress=progress, percent=percent, **kwargs)
