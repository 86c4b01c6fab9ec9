"""Managers' admin for orders. Scoping comes from the admin site (one shop per request,
fail-closed managers, RLS). Orders are read-only here: they come from the storefront,
and the only edit, a status change, goes through the service (and its history)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.shops.admin_base import ReadOnlyShopOwnedAdmin
from customers.admin import ReadOnlyInline
from orders.models import ImportJob, Order, OrderLine, OrderStatus, OrderStatusChange, Refund
from orders.services import OrderStateError, order_status_change


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("sku", "name", "category", "quantity", "unit_price", "line_total")
    readonly_fields = fields


class StatusChangeInline(ReadOnlyInline):
    model = OrderStatusChange
    fields = ("changed_at", "from_status", "to_status", "source", "actor_user")
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("created_at", "amount", "reason", "created_by")
    readonly_fields = fields


def _status_action(status: str, label):
    def action(modeladmin, request, queryset):
        changed, refused = 0, 0
        for order_id in queryset.values_list("pk", flat=True):
            try:
                order_status_change(shop=request.admin_shop, order_id=order_id, status=status, actor_user=request.user)
                changed += 1
            except OrderStateError:
                refused += 1
        modeladmin.message_user(request, ngettext("%d order changed.", "%d orders changed.", changed) % changed)
        if refused:
            modeladmin.message_user(
                request,
                ngettext("%d order cannot take that status.", "%d orders cannot take that status.", refused) % refused,
                messages.WARNING,
            )

    action.__name__ = f"mark_{status}"
    action.short_description = label
    return action


@admin.register(Order)
class OrderAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("external_id", "customer", "channel", "status", "total", "currency", "placed_at")
    list_filter = ("status", "channel")
    search_fields = ("external_id",)
    date_hierarchy = "placed_at"
    list_select_related = ("customer",)
    inlines = (LineInline, StatusChangeInline, RefundInline)
    actions = (
        _status_action(OrderStatus.SHIPPED, _("Mark as shipped")),
        _status_action(OrderStatus.DELIVERED, _("Mark as delivered")),
        _status_action(OrderStatus.COMPLETED, _("Mark as completed")),
        _status_action(OrderStatus.CANCELLED, _("Cancel")),
    )
    exclude = ("content_hash",)


@admin.register(Refund)
class RefundAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("order", "amount", "reason", "created_at")
    list_select_related = ("order",)
    search_fields = ("order__external_id",)


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("file_name", "status", "total_rows", "orders_created", "orders_updated", "rows_rejected",
                    "created_at")  # fmt: skip
    list_filter = ("status",)
    exclude = ("file_path",)
