"""The orders list: filters, search, cursor paging and the CSV export of what it shows."""

import base64
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from crm.models import Role
from crm.platform.channels import ORDER_CHANNEL_CHOICES
from crm.tenancy.access import has_role
from crm.tenancy.pages import ShopPageView
from customers.models import Customer
from orders.csv_export import order_csv_response
from orders.filters import FilterInvalid, OrderFilters, order_filters_parse
from orders.models import OrderStatus
from orders.selectors import order_list

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
            channels=ORDER_CHANNEL_CHOICES,
            can_export=has_role(self.membership, Role.MANAGER),
            # Opened from a customer's page ("All N orders"): say whose orders these are.
            for_customer=Customer.objects.filter(pk=filters.customer).first() if filters.customer else None,
            **kwargs,
        )


class OrderExportView(ShopPageView):
    required_role = Role.MANAGER

    def get(self, request, **kwargs):
        filters, error = _filters_or_error(request, self.shop)
        if error:
            messages.error(request, _("Some filters are not valid."))
            return redirect(reverse("orders:list", kwargs={"shop_slug": self.shop.slug}))
        return order_csv_response(shop=self.shop, filters=filters)
