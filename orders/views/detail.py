"""One order and what staff do with it: move its status along the status rules, record a
refund (whole or by line, with a reason), add a note. Each action redirects back to the
order; a refund with wrong values renders the page again with the errors on its fields."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from crm.models import Role
from crm.tenancy.access import has_role
from crm.tenancy.pages import ShopPageView
from orders.models import Order, OrderStatus
from orders.selectors import order_detail, order_get
from orders.services import (
    REFUNDABLE,
    TRANSITIONS,
    OrderNoteInvalid,
    OrderStateError,
    RefundInvalid,
    order_note_add,
    order_refunded_amount,
    order_status_change,
    refund_create,
)


def _order_url(shop, order: Order) -> str:
    return reverse("orders:detail", kwargs={"shop_slug": shop.slug, "key": order.pk})


class OrderDetailView(ShopPageView, TemplateView):
    template_name = "orders/detail.html"

    def get_context_data(self, refund_posted=None, refund_errors=None, **kwargs):
        order = order_detail(shop=self.shop, key=self.kwargs["key"])
        refunded = order_refunded_amount(order)
        posted, errors = refund_posted or {}, refund_errors or {}
        refund_lines = [
            {"line": line, "name": f"line-{index}", "value": posted.get(f"line-{index}", ""),
             "errors": errors.get(f"line-{index}", [])}
            for index, line in enumerate(order.lines.all())
        ]  # fmt: skip
        can_manage = has_role(self.membership, Role.MANAGER)
        next_statuses = [(value, OrderStatus(value).label) for value in OrderStatus.values
                         if value in TRANSITIONS[order.status]]  # fmt: skip
        return super().get_context_data(
            order=order,
            refunded=refunded,
            refundable=order.total - refunded,
            can_manage=can_manage,
            next_statuses=next_statuses if can_manage else [],
            can_refund=can_manage and order.status in REFUNDABLE and order.total > refunded,
            refund_lines=refund_lines,
            refund_posted=posted,
            refund_errors=errors,
            **kwargs,
        )


class OrderStatusView(ShopPageView):
    required_role = Role.MANAGER

    def post(self, request, key: str, **kwargs):
        order = order_get(shop=self.shop, key=key)
        status = request.POST.get("status", "")
        if status not in OrderStatus.values:
            messages.error(request, _("Choose the new status."))
            return redirect(_order_url(self.shop, order))
        try:
            order_status_change(shop=self.shop, order_id=order.pk, status=status, actor_user=request.user)
            messages.success(request, _("The order is now %(status)s.") % {"status": OrderStatus(status).label})
        except OrderStateError as error:
            messages.error(request, str(error))
        return redirect(_order_url(self.shop, order))


class OrderRefundView(OrderDetailView):
    required_role = Role.MANAGER
    http_method_names = ["post"]

    def post(self, request, key: str, **kwargs):
        order = order_detail(shop=self.shop, key=key)
        data, line_fields = refund_form_data(request.POST, order)
        try:
            refund = refund_create(shop=self.shop, order_id=order.pk, data=data, actor_user=request.user)
        except OrderStateError as error:
            messages.error(request, str(error))
        except RefundInvalid as invalid:
            errors = _errors_on_form_fields(invalid.errors, line_fields)
            context = self.get_context_data(refund_errors=errors, refund_posted=request.POST)
            return self.render_to_response(context, status=400)
        else:
            messages.success(request, _("Refund of %(amount)s recorded.") % {"amount": refund.amount})
        return redirect(_order_url(self.shop, order))


def refund_form_data(post, order: Order) -> tuple[dict, list[str]]:
    """The refund service's input from the page's form, and the form field of each line
    sent. `line-N` is the quantity of the order's Nth line; a blank amount is the chosen
    lines' value (the whole order when no line is chosen), at most what is refundable."""
    lines, line_fields, lines_value = [], [], Decimal("0")
    for index, line in enumerate(order.lines.all()):
        raw = post.get(f"line-{index}", "").strip()
        if raw in ("", "0"):
            continue
        quantity = int(raw) if raw.isdigit() and len(raw) < 9 else raw
        lines.append({"sku": line.sku, "quantity": quantity})
        line_fields.append(f"line-{index}")
        if isinstance(quantity, int):
            lines_value += line.unit_price * quantity
    amount = post.get("amount", "").strip()
    if not amount:
        remaining = order.total - order_refunded_amount(order)
        amount = str(min(lines_value, remaining) if lines else remaining)
    return {"amount": amount, "reason": post.get("reason", ""), "lines": lines}, line_fields


def _errors_on_form_fields(errors: dict[str, list[str]], line_fields: list[str]) -> dict[str, list[str]]:
    """The service names a line by its place in the request (`lines.0.quantity`); the form
    by the order line's input (`line-3`)."""
    on_fields = {}
    for key, reasons in errors.items():
        parts = key.split(".")
        field = line_fields[int(parts[1])] if len(parts) == 3 and parts[0] == "lines" else key
        on_fields.setdefault(field, []).extend(reasons)
    return on_fields


class OrderNoteAddView(ShopPageView):
    def post(self, request, key: str, **kwargs):
        order = order_get(shop=self.shop, key=key)
        try:
            order_note_add(shop=self.shop, order=order, author=request.user, body=request.POST.get("body", ""))
            messages.success(request, _("Note added."))
        except OrderNoteInvalid as invalid:
            messages.error(request, _("The note was not saved: %(reason)s") % {"reason": invalid})
        return redirect(_order_url(self.shop, order) + "#notes")
