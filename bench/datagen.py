"""Synthetic shops (orders/synthetic.py) as benchmark input: `csv_rows` (the import file
layout, with each order's rows deliberately not contiguous) and `copy_load` (COPY straight
into the tables: the floor for ingest benchmarks and a fast loader for large-shop
benchmarks).
"""

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np

from orders.synthetic import CHANNELS, Dataset, order_amounts

CSV_COLUMNS = (
    "order_id", "customer_id", "placed_at", "total", "currency", "status", "phone", "email", "name",
    "channel", "sku", "product_name", "category", "quantity", "unit_price", "discount", "shipping",
)  # fmt: skip


def csv_rows(data: Dataset, *, block: int = 500) -> Iterator[tuple]:
    """One row per order line in the import layout. Within each block of orders the rows
    go out line-major (every order's first line, then every second line...), so the rows
    of one order are never contiguous, as in exports from some storefronts."""
    for block_start in range(0, data.orders, block):
        orders = []
        for index in range(block_start, min(block_start + block, data.orders)):
            orders.append((index, *order_amounts(data, index)))
        depth = max(len(order[1]) for order in orders)
        for line_number in range(depth):
            for index, lines, _subtotal, discount, shipping, total in orders:
                if line_number < len(lines):
                    yield _csv_row(data, index, lines[line_number], total, discount, shipping)


def _csv_row(data: Dataset, index: int, line: tuple, total, discount, shipping) -> tuple:
    customer = int(data.order_customer[index])
    sku, name, category, quantity, price, _ = line
    placed = datetime.fromtimestamp(int(data.order_time[index]) + 8 * 3600, UTC).strftime("%Y-%m-%d %H:%M:%S")
    return (data.order_external_id(index), data.customer_external_ids[customer], placed, total, "CNY",
            str(data.order_status[index]), data.phones[customer], data.emails[customer] or "", data.names[customer],
            str(data.order_channel[index]), sku, name, category, quantity, price, discount, shipping)  # fmt: skip


def csv_write(data: Dataset, path, *, encoding: str = "utf-8") -> int:
    """Write the import file; returns the number of data rows."""
    count = 0
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for row in csv_rows(data):
            writer.writerow(row)
            count += 1
    return count


# --- COPY loader -----------------------------------------------------------------------
def _copy_text(rows) -> io.StringIO:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    return buffer


def copy_buffers(
    data: Dataset, *, first_customer_id: int, first_order_id: int, shop_id: int, chunk: int = 10_000
) -> list[dict]:
    """COPY text, ids pre-assigned from the given starts (allocate them from the tables'
    sequences): first the customers and their channel ids, then the orders with their
    lines and status history in chunks of `chunk` orders — one dict per transaction, as
    a bulk loader would commit them."""
    now = datetime.now(UTC).isoformat()
    # What the ingest stores: the storefront's customer id once per channel the customer
    # ordered on, and the first order's channel as the customer's source channel.
    code = {channel: index for index, channel in enumerate(CHANNELS)}
    channel_codes = np.fromiter((code[channel] for channel in data.order_channel), np.int64, data.orders)
    pairs = np.unique(data.order_customer * len(CHANNELS) + channel_codes)
    first_order = np.full(data.customers, data.orders)
    np.minimum.at(first_order, data.order_customer, np.arange(data.orders))
    customers = (
        (first_customer_id + i, shop_id, data.names[i], "+86" + data.phones[i], data.emails[i], data.provinces[i],
         data.cities[i], str(data.order_channel[first_order[i]]), now)
        for i in range(data.customers)
    )  # fmt: skip
    channel_ids = ((shop_id, str(CHANNELS[pair % len(CHANNELS)]), data.customer_external_ids[pair // len(CHANNELS)],
                    first_customer_id + int(pair // len(CHANNELS)), now) for pair in pairs)  # fmt: skip
    people = {"customers_customer": _copy_text(customers), "customers_customerchannelid": _copy_text(channel_ids)}
    return [people] + [
        _order_buffers(
            data, range(start, min(start + chunk, data.orders)), first_customer_id, first_order_id, shop_id, now
        )
        for start in range(0, data.orders, chunk)
    ]


def _order_buffers(data: Dataset, indexes: range, first_customer_id: int, first_order_id: int, shop_id: int,
                   now: str) -> dict:  # fmt: skip
    orders, lines, history = [], [], []
    for index in indexes:
        order_lines, subtotal, discount, shipping, total = order_amounts(data, index)
        order_id, status = first_order_id + index, str(data.order_status[index])
        placed = datetime.fromtimestamp(int(data.order_time[index]), UTC).isoformat()
        customer_id = first_customer_id + int(data.order_customer[index])
        orders.append((
            order_id, shop_id, data.order_external_id(index), customer_id, str(data.order_channel[index]), status,
            placed, "CNY", subtotal, discount, shipping, total, "", "", "", "", "", "", "", now, now,
        ))  # fmt: skip
        lines.extend((shop_id, order_id, position, *line) for position, line in enumerate(order_lines))
        history.append((shop_id, order_id, "", status, "import", placed))
    return {
        "orders_order": _copy_text(orders),
        "orders_orderline": _copy_text(lines),
        "orders_orderstatuschange": _copy_text(history),
    }


COPY_COLUMNS = {
    "customers_customer": "id, shop_id, name, phone, email, province, city, source_channel, created_at",
    "customers_customerchannelid": "shop_id, channel, external_id, customer_id, created_at",
    "orders_order": "id, shop_id, external_id, customer_id, channel, status, placed_at, currency, subtotal, discount, "
    "shipping, total, coupon_code, shipping_province, shipping_city, shipping_address, recipient_name, "
    "recipient_phone, content_hash, created_at, updated_at",
    "orders_orderline": "shop_id, order_id, position, sku, name, category, quantity, unit_price, line_total",
    "orders_orderstatuschange": "shop_id, order_id, from_status, to_status, source, changed_at",
}
_DEFAULTS = {
    "customers_customer": {
        "gender": "'unknown'", "district": "''", "attributes": "'{}'::jsonb", "is_automated_targeting_refused": "false",
        "updated_at": "now()", "orders_count": "0", "total_spent": "0", "refunds_count": "0", "refunded_amount": "0",
    },
}  # fmt: skip


def id_block_allocate(cursor, table: str, count: int) -> int:
    """Reserve `count` consecutive ids of `table`'s sequence; returns the first.

    One nextval with the sequence's increment raised to `count`, as the owner role (the
    app role may only call nextval): ALTER SEQUENCE blocks other sessions' nextval until
    the transaction ends, so the block is ours even while another process is inserting
    into the table. `cursor` (the app role's) only names the sequence."""
    import os

    import psycopg2

    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (sequence,) = cursor.fetchone()
    owner = psycopg2.connect(os.environ["DATABASE_OWNER_URL"])
    try:
        with owner, owner.cursor() as owner_cursor:
            # On Citus: the coordinator's own sequence, which hands out the ids of rows
            # inserted through it (Citus refuses to alter a distributed sequence everywhere).
            owner_cursor.execute("SET LOCAL citus.enable_ddl_propagation = off")
            owner_cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY {int(count)}")
            owner_cursor.execute("SELECT nextval(%s)", [sequence])
            (last,) = owner_cursor.fetchone()
            owner_cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 1")
    finally:
        owner.close()
    return last - count + 1


def copy_load(cursor, buffers: dict) -> dict[str, int]:
    """COPY each buffer (one dict of `copy_buffers`) into a temp table shaped like its
    target, then INSERT ... SELECT into the target (PostgreSQL refuses COPY FROM into
    tables with row-level security, so this is the fastest way in). Run inside the shop's
    scope; returns rows per table."""
    from django.db import connection

    from crm.platform.postgresql.citus import staged_insert

    counts = {}
    for table, buffer in buffers.items():
        columns = COPY_COLUMNS[table]
        defaults = _DEFAULTS.get(table, {})
        stage = f"bench_stage_{table}"
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(f"CREATE TEMP TABLE {stage} AS SELECT {columns} FROM {table} WITH NO DATA")
        cursor.copy_expert(f"COPY {stage} ({columns}) FROM STDIN", buffer)
        target_columns = columns + "".join(f", {name}" for name in defaults)
        source_columns = columns + "".join(f", {value}" for value in defaults.values())
        cursor.execute(staged_insert(f"INSERT INTO {table} ({target_columns}) SELECT {source_columns} FROM {stage}",
                                     connection))  # fmt: skip
        counts[table] = cursor.rowcount
    return counts
