"""Streaming CSV export of customers (the columns customers/csv_import.py reads back),
in keyset chunks by id (crm/platform/csv_files.py)."""

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from crm.models import Shop
from crm.platform.csv_files import csv_download
from customers.models import CustomerChannelId, CustomerTag

CHUNK = 2000
COLUMNS = (
    "id", "customer_id", "channel", "name", "phone", "email", "gender", "birthday", "province", "city", "district",
    "source_channel", "tags", "orders_count", "total_spent", "refunds_count", "refunded_amount", "first_order_at",
    "last_order_at", "created_at",
)  # fmt: skip
_MODEL_COLUMNS = (
    "id", "name", "phone", "email", "gender", "birthday", "province", "city", "district", "source_channel",
    "orders_count", "total_spent", "refunds_count", "refunded_amount", "first_order_at", "last_order_at",
    "created_at",
)  # fmt: skip


def customer_csv_response(*, shop: Shop, queryset: QuerySet) -> StreamingHttpResponse:
    def read_chunk(after_id: int) -> tuple[list[list], int | None]:
        rows = list(queryset.filter(pk__gt=after_id).order_by("pk").values(*_MODEL_COLUMNS)[:CHUNK])
        extras = _chunk_extras([row["id"] for row in rows])
        return [_csv_row(row, extras, shop) for row in rows], rows[-1]["id"] if rows else None

    return csv_download(shop=shop, name="customers", header=COLUMNS, read_chunk=read_chunk)


def _chunk_extras(ids: list[int]) -> dict[int, dict]:
    extras = {pk: {"channel_ids": [], "tags": []} for pk in ids}
    for customer_id, channel, external_id in CustomerChannelId.objects.filter(customer_id__in=ids).values_list(
        "customer_id", "channel", "external_id"
    ):
        extras[customer_id]["channel_ids"].append((channel, external_id))
    for customer_id, name in CustomerTag.objects.filter(customer_id__in=ids).values_list("customer_id", "tag__name"):
        extras[customer_id]["tags"].append(name)
    return extras


def _csv_row(row: dict, extras: dict, shop: Shop) -> list:
    extra = extras[row["id"]]
    channel, external_id = extra["channel_ids"][0] if extra["channel_ids"] else ("", "")
    values = {**row, "channel": channel, "customer_id": external_id, "tags": ";".join(sorted(extra["tags"]))}
    for name in ("first_order_at", "last_order_at", "created_at"):
        if values[name] is not None:
            values[name] = timezone.localtime(values[name], shop.tzinfo).isoformat(timespec="seconds")
    return ["" if values[name] is None else values[name] for name in COLUMNS]
