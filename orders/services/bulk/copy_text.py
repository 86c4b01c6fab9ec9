"""PostgreSQL COPY text for the ingest staging tables (performance machinery of the batch
paths: the text is built with f-strings, not a csv writer, because it is most of a batch's
Python time).

An order's COPY text is also what its `content_hash` is computed from
(`order_fingerprint`, used by the single-order path too), so the fingerprint covers
exactly what is stored, and each value is formatted once.
"""

import hashlib
import io
from datetime import datetime

from orders.validation import CleanLine, CleanOrder

# Column order of the text below; the staging table adds customer_id and content_hash.
ORDER_TEXT_COLUMNS = (
    "external_id", "channel", "status", "placed_at", "paid_at", "shipped_at", "delivered_at", "currency", "subtotal",
    "discount", "shipping", "total", "coupon_code", "shipping_province", "shipping_city", "shipping_address",
    "recipient_name", "recipient_phone",
)  # fmt: skip
LINE_TEXT_COLUMNS = ("position", "sku", "name", "category", "quantity", "unit_price", "line_total")


def escape(value: str) -> str:
    """COPY text escaping; the common case (no tab, newline or backslash) is one check."""
    if value.isprintable() and "\\" not in value:
        return value
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def time_text(value: datetime | None) -> str:
    return "\\N" if value is None else value.isoformat()


def order_text(order: CleanOrder) -> str:
    return (
        f"{escape(order.external_id)}\t{order.channel}\t{order.status}\t{order.placed_at.isoformat()}\t"
        f"{time_text(order.paid_at)}\t{time_text(order.shipped_at)}\t{time_text(order.delivered_at)}\t{order.currency}\t"
        f"{order.subtotal!s}\t{order.discount!s}\t{order.shipping!s}\t{order.total!s}\t{escape(order.coupon_code)}\t"
        f"{escape(order.shipping_province)}\t{escape(order.shipping_city)}\t{escape(order.shipping_address)}\t"
        f"{escape(order.recipient_name)}\t{escape(order.recipient_phone)}"
    )


def line_text(position: int, line: CleanLine) -> str:
    return (
        f"{position}\t{escape(line.sku)}\t{escape(line.name)}\t{escape(line.category)}\t{line.quantity}\t"
        f"{line.unit_price!s}\t{line.line_total!s}"
    )


def content_hash(order: CleanOrder, text: str, lines: list[str]) -> str:
    """The payload's fingerprint from its COPY texts. The storefront's `updated_at` joins
    it only when sent, so fingerprints stored before it existed stay valid (a replayed old
    payload stays a no-op, and cannot bring back fields erased since)."""
    if order.updated_at is not None:
        text = f"{text}\t{order.updated_at.isoformat()}"
    return hashlib.blake2b("\x1e".join((text, *lines)).encode(), digest_size=16).hexdigest()


def order_fingerprint(order: CleanOrder) -> str:
    return content_hash(order, order_text(order), [line_text(*line) for line in enumerate(order.lines)])


def copy_text(cursor, table: str, columns: tuple, text: str) -> None:
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO(text))


def copy_rows(cursor, table: str, columns: tuple, rows) -> int:
    """COPY tuples of str/int/Decimal/datetime/None into a temp table; returns the count."""
    parts = []
    for row in rows:
        parts.append("\t".join(_value(value) for value in row))
    if parts:
        copy_text(cursor, table, columns, "\n".join(parts) + "\n")
    return len(parts)


def _value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
