"""Streaming CSV export of customers (the columns customers/csv_import.py reads back).

The response body is produced after the view has returned, outside the request's
transaction, so the generator enters the shop's scope itself and reads keyset chunks
by id: memory stays flat for a million rows.
"""

import csv
import io
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from crm.models import Shop
from crm.tenancy.context import shop_scope
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
    stamp = timezone.localtime(timezone.now(), shop.tzinfo).strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_csv_lines(shop, queryset), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="customers-{shop.slug}-{stamp}.csv"'
    return response


def _csv_lines(shop: Shop, queryset: QuerySet) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # A BOM so spreadsheet tools read the Chinese text as UTF-8.
    yield "\ufeff" + _flush(writer, buffer, COLUMNS)
    last_id = 0
    while True:
        with shop_scope(shop.pk):
            rows = list(queryset.filter(pk__gt=last_id).order_by("pk").values(*_MODEL_COLUMNS)[:CHUNK])
            extras = _chunk_extras([row["id"] for row in rows])
        if not rows:
            return
        for row in rows:
            writer.writerow(_csv_row(row, extras, shop))
        yield _drain(buffer)
        last_id = rows[-1]["id"]


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


def _flush(writer, buffer: io.StringIO, row) -> str:
    writer.writerow(row)
    return _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
