"""Streaming CSV export of orders, in the import layout (one row per line, the columns of
docs/orders.md), so an export can be edited and imported again.

Read in keyset chunks by id (crm/platform/csv_files.py).
"""

from django.http import StreamingHttpResponse
from django.utils import timezone

from crm.models import Shop
from crm.platform.csv_files import csv_download
from customers.models import CustomerChannelId
from orders.csv_format import COLUMNS
from orders.filters import OrderFilters
from orders.models import Order, OrderLine

CHUNK = 2000
_ORDER_FIELDS = ("id", "external_id", "customer_id", "placed_at", "total", "currency", "status", "channel", "subtotal",
                 "discount", "shipping", "coupon_code", "shipping_province", "shipping_city", "customer__name",
                 "customer__phone", "customer__email")  # fmt: skip


def order_csv_response(*, shop: Shop, filters: OrderFilters) -> StreamingHttpResponse:
    def read_chunk(after_id: int) -> tuple[list[list], int | None]:
        orders = list(
            Order.objects.filter(filters.condition(), pk__gt=after_id).order_by("pk").values(*_ORDER_FIELDS)[:CHUNK]
        )
        lines, channel_ids = _chunk_extras(orders)
        rows = [_row(order, line, channel_ids, shop) for order in orders for line in lines.get(order["id"]) or [None]]
        return rows, orders[-1]["id"] if orders else None

    return csv_download(shop=shop, name="orders", header=COLUMNS, read_chunk=read_chunk)


def _chunk_extras(orders: list[dict]) -> tuple[dict, dict]:
    lines: dict[int, list[tuple]] = {}
    for row in (
        OrderLine.objects.filter(order_id__in=[o["id"] for o in orders])
        .order_by("order_id", "position")
        .values_list("order_id", "sku", "name", "category", "quantity", "unit_price")
    ):
        lines.setdefault(row[0], []).append(row[1:])
    channel_ids = {
        (customer_id, channel): external_id
        for customer_id, channel, external_id in CustomerChannelId.objects.filter(
            customer_id__in={o["customer_id"] for o in orders}
        ).values_list("customer_id", "channel", "external_id")
    }
    return lines, channel_ids


def _row(order: dict, line: tuple | None, channel_ids: dict, shop: Shop) -> list:
    placed = timezone.localtime(order["placed_at"], shop.tzinfo).strftime("%Y-%m-%d %H:%M:%S")
    sku, name, category, quantity, unit_price = line or ("", "", "", "", "")
    values = {
        "order_id": order["external_id"],
        "customer_id": channel_ids.get((order["customer_id"], order["channel"]), ""),
        "placed_at": placed,
        "phone": order["customer__phone"] or "",
        "email": order["customer__email"] or "",
        "name": order["customer__name"],
        "sku": sku,
        "product_name": name,
        "category": category,
        "quantity": quantity,
        "unit_price": unit_price,
    }
    return [values[column] if column in values else order[column] for column in COLUMNS]
