"""Reads of orders, for the API, the staff pages, the CSV export and customers/ (the
customer 360 page and the personal-data export)."""

from decimal import Decimal

from django.db.models import Count, Max, Min, Prefetch, QuerySet, Sum
from django.http import Http404

from crm.models import Shop
from crm.tenancy.access import get_for_shop
from customers.stats import NON_QUALIFYING_STATUSES
from orders.filters import OrderFilters
from orders.models import ImportJob, Order, OrderStatusChange, Refund


def order_list(*, shop: Shop, filters: OrderFilters | None = None) -> QuerySet[Order]:
    """Newest first; keyset-paginate on (placed_at, id)."""
    orders = Order.objects.select_related("customer").order_by("-placed_at", "-id")
    return orders.filter(filters.condition()) if filters is not None else orders


def order_get(*, shop: Shop, key: str) -> Order:
    """The order named in a URL by its external id or, failing that, its numeric id; the
    same 404 for missing and another shop's."""
    order = Order.objects.filter(external_id=key).first()
    if order is not None:
        return order
    if not key.isdigit() or len(key) > 18:
        raise Http404("order not found")
    return get_for_shop(Order, pk=int(key))


def order_detail(*, shop: Shop, key: str) -> Order:
    """One order with its lines, status history and refunds loaded."""
    order = order_get(shop=shop, key=key)
    return (
        Order.objects.select_related("customer")
        .prefetch_related(
            "lines",
            Prefetch("status_changes", queryset=OrderStatusChange.objects.order_by("changed_at", "id")),
            Prefetch("refunds", queryset=Refund.objects.prefetch_related("lines").order_by("created_at", "id")),
        )
        .get(pk=order.pk)
    )


def order_list_for_customer(*, shop: Shop, customer_id: int, limit: int = 20) -> list[Order]:
    """A customer's most recent orders (for the customer 360 timeline), lines included."""
    return list(
        Order.objects.filter(customer_id=customer_id).order_by("-placed_at", "-id").prefetch_related("lines")[:limit]
    )


def customer_order_summary(*, shop: Shop, customer_id: int) -> dict:
    """Live order figures for one customer, counted like Customer's denormalized stats
    (pending and cancelled orders excluded; refunds counted separately)."""
    orders = Order.objects.filter(customer_id=customer_id).exclude(status__in=NON_QUALIFYING_STATUSES)
    figures = orders.aggregate(count=Count("id"), spent=Sum("total"), first=Min("placed_at"), last=Max("placed_at"))
    refunds = Refund.objects.filter(order__customer_id=customer_id).aggregate(count=Count("id"), amount=Sum("amount"))
    spent = figures["spent"] or Decimal("0")
    count = figures["count"]
    return {
        "orders_count": count,
        "total_spent": spent,
        "average_order_value": (spent / count).quantize(Decimal("0.01")) if count else None,
        "first_order_at": figures["first"],
        "last_order_at": figures["last"],
        "refunds_count": refunds["count"],
        "refunded_amount": refunds["amount"] or Decimal("0"),
    }


def orders_for_customer_export(*, shop: Shop, customer_id: int) -> list[dict]:
    """Everything orders/ holds about one customer, as JSON-ready dicts (personal-data export)."""
    orders = (
        Order.objects.filter(customer_id=customer_id)
        .order_by("placed_at", "id")
        .prefetch_related("lines", "status_changes", "refunds__lines")
    )
    return [order_as_dict(order) for order in orders]


def order_as_dict(order: Order) -> dict:
    return {
        **{field: _plain(getattr(order, field)) for field in EXPORT_FIELDS},
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "category": line.category,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "line_total": str(line.line_total),
            }
            for line in order.lines.all()
        ],  # fmt: skip
        "status_history": [
            {
                "from": change.from_status,
                "to": change.to_status,
                "source": change.source,
                "changed_at": change.changed_at.isoformat(),
            }
            for change in order.status_changes.all()
        ],  # fmt: skip
        "refunds": [
            {
                "amount": str(refund.amount),
                "reason": refund.reason,
                "created_at": refund.created_at.isoformat(),
                "lines": [{"sku": line.sku, "quantity": line.quantity} for line in refund.lines.all()],
            }
            for refund in order.refunds.all()
        ],  # fmt: skip
    }


EXPORT_FIELDS = (
    "external_id", "channel", "status", "placed_at", "paid_at", "shipped_at", "delivered_at", "currency",
    "subtotal", "discount", "shipping", "total", "coupon_code", "shipping_province", "shipping_city",
    "shipping_address", "recipient_name", "recipient_phone", "created_at", "updated_at",
)  # fmt: skip


def _plain(value):
    if value is None or isinstance(value, str):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def import_job_list(*, shop: Shop, limit: int = 20) -> list[ImportJob]:
    return list(ImportJob.objects.order_by("-created_at", "-id")[:limit])
