"""Reads of orders, for the API, the staff pages, the CSV export and what orders adds to
customers (the 360 section and the privacy export part, registered in orders/apps.py)."""

from django.db.models import Prefetch, QuerySet
from django.forms.models import model_to_dict
from django.http import Http404

from crm.models import Shop
from crm.tenancy.access import get_for_shop
from customers.models import Customer
from orders.filters import OrderFilters
from orders.models import ImportJob, Order, OrderNote, OrderStatusChange, Refund


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
    """One order with its lines, status history, refunds and notes loaded."""
    order = order_get(shop=shop, key=key)
    return (
        Order.objects.select_related("customer")
        .prefetch_related(
            "lines",
            Prefetch(
                "status_changes",  # in commit order (rows are written under the order's lock)
                queryset=OrderStatusChange.objects.select_related("actor_api_key").order_by("id"),
            ),
            Prefetch("refunds", queryset=Refund.objects.prefetch_related("lines").order_by("created_at", "id")),
            Prefetch("notes", queryset=OrderNote.objects.select_related("author").order_by("-created_at", "-id")),
        )
        .get(pk=order.pk)
    )


def order_list_for_customer(*, shop: Shop, customer_id: int, limit: int = 20) -> list[Order]:
    """A customer's most recent orders (the orders section of the customer 360)."""
    return list(
        Order.objects.filter(customer_id=customer_id).select_related("customer").order_by("-placed_at", "-id")[:limit]
    )


def refund_list_for_customer(*, shop: Shop, customer_id: int, limit: int = 20) -> list[Refund]:
    """A customer's most recent refunds, each with its order (for the customer 360)."""
    refunds = Refund.objects.filter(order__customer_id=customer_id).select_related("order")
    return list(refunds.order_by("-created_at", "-id")[:limit])


def customer_orders_section(*, shop: Shop, customer: Customer) -> dict:
    """The orders section of the customer 360: recent orders and refunds."""
    return {
        "customer_id": customer.pk,
        "orders": order_list_for_customer(shop=shop, customer_id=customer.pk),
        "refunds": refund_list_for_customer(shop=shop, customer_id=customer.pk),
    }


def orders_for_customer_export(*, shop: Shop, customer: Customer) -> list[dict]:
    """Everything orders/ holds about one customer, as JSON-ready dicts (personal-data export)."""
    orders = (
        Order.objects.filter(customer=customer)
        .order_by("placed_at", "id")
        .prefetch_related(
            "lines", Prefetch("status_changes", queryset=OrderStatusChange.objects.order_by("id")), "refunds__lines"
        )
    )
    return [_order_export(order) for order in orders]


def _order_export(order: Order) -> dict:
    data = {name: _plain(value) for name, value in model_to_dict(order, exclude=("customer", "content_hash")).items()}
    data["lines"] = [
        _fields(line, ("sku", "name", "category", "quantity", "unit_price", "line_total")) for line in order.lines.all()
    ]
    data["status_history"] = [
        _fields(change, ("from_status", "to_status", "source", "changed_at")) for change in order.status_changes.all()
    ]
    data["refunds"] = [
        {**_fields(refund, ("amount", "reason", "created_at")),
         "lines": [_fields(line, ("sku", "quantity", "amount")) for line in refund.lines.all()]}
        for refund in order.refunds.all()
    ]  # fmt: skip
    return data


def _fields(instance, names: tuple[str, ...]) -> dict:
    return {name: _plain(getattr(instance, name)) for name in names}


def _plain(value):
    if value is None or isinstance(value, bool | int | str | dict | list):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def import_job_list(*, shop: Shop, limit: int = 20) -> list[ImportJob]:
    return list(ImportJob.objects.order_by("-created_at", "-id")[:limit])
