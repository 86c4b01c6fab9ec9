"""Large synthetic shops for the scoring benchmark, loaded with COPY.

Scoring reads only customers and orders, so this loader skips order lines, channel ids and
status history, and computes order totals with numpy from datagen's lines (same prices,
discounts and shipping rules as the API payloads), chunk by chunk, so ten million orders
load in a few minutes without holding their text in memory at once.
"""

import io
import sys
import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from django.db import connection

from bench.datagen import _DEFAULTS
from crm.platform.postgresql.citus import staged_insert
from crm.tenancy.context import shop_scope
from orders.synthetic import Dataset, dataset_generate

CHUNK_ORDERS = 1_000_000


def _copy_buffer(frame: pd.DataFrame) -> io.StringIO:
    buffer = io.StringIO()
    frame.to_csv(buffer, sep="\t", header=False, index=False, na_rep="\\N")
    buffer.seek(0)
    return buffer


def _order_totals_cents(data: Dataset) -> np.ndarray:
    """datagen._order_amounts, vectorized: lines -> subtotal, 10% coupon, 8.00 shipping under 99."""
    prices = np.array([int(price * 100) for *_, price in data.products], dtype=np.int64)
    line_totals = prices[data.line_product] * data.line_quantity
    subtotal = np.add.reduceat(line_totals, data.line_start[:-1])
    discount = np.where(data.order_coupon, np.floor(subtotal * 0.1 + 0.5).astype(np.int64), 0)
    shipping = np.where(subtotal >= 9900, 0, 800)
    return np.stack([subtotal, discount, shipping, subtotal - discount + shipping])


def _customers_frame(data: Dataset, shop_id: int, now: str) -> pd.DataFrame:
    return pd.DataFrame({
        "shop_id": shop_id,
        "name": data.names,
        "phone": ["+86" + phone for phone in data.phones],
        "email": data.emails,
        "province": data.provinces,
        "city": data.cities,
        "source_channel": "web",
        "created_at": now,
    })  # fmt: skip


def _money(cents: np.ndarray) -> pd.Series:
    return pd.Series(cents // 100).astype(str) + "." + pd.Series(cents % 100).astype(str).str.zfill(2)


def _orders_frame(data: Dataset, amounts: np.ndarray, span: slice, shop_id: int, customer_ids) -> pd.DataFrame:
    index = np.arange(span.start, span.stop)
    placed = pd.to_datetime(data.order_time[span], unit="s", utc=True).strftime("%Y-%m-%d %H:%M:%S+00")
    return pd.DataFrame({
        "shop_id": shop_id,
        "external_id": [data.order_external_id(i) for i in index],
        "customer_id": customer_ids[data.order_customer[span]],
        "channel": data.order_channel[span],
        "status": data.order_status[span],
        "placed_at": placed,
        "subtotal": _money(amounts[0, span]).to_numpy(),
        "discount": _money(amounts[1, span]).to_numpy(),
        "shipping": _money(amounts[2, span]).to_numpy(),
        "total": _money(amounts[3, span]).to_numpy(),
    })  # fmt: skip


CUSTOMER_STAGE = (
    "shop_id bigint, name text, phone text, email text, province text, city text, source_channel text, "
    "created_at timestamptz"
)
CUSTOMER_INSERT = f"""
INSERT INTO customers_customer (shop_id, name, phone, email, province, city, source_channel, created_at,
    {", ".join(_DEFAULTS["customers_customer"])})
SELECT shop_id, name, phone, email, province, city, source_channel, created_at,
    {", ".join(_DEFAULTS["customers_customer"].values())}
FROM bench_scoring_stage
"""
ORDER_STAGE = (
    "shop_id bigint, external_id text, customer_id bigint, channel text, status text, placed_at timestamptz, "
    "subtotal numeric, discount numeric, shipping numeric, total numeric"
)
ORDER_INSERT = """
INSERT INTO orders_order (shop_id, external_id, customer_id, channel, status, placed_at, currency, subtotal, discount,
    shipping, total, coupon_code, shipping_province, shipping_city, shipping_address, recipient_name, recipient_phone,
    content_hash, created_at, updated_at)
SELECT shop_id, external_id, customer_id, channel, status, placed_at, 'CNY', subtotal, discount, shipping, total,
    '', '', '', '', '', '', '', now(), now()
FROM bench_scoring_stage
"""


def _stage_insert(cursor, stage_columns: str, frame: pd.DataFrame, insert_sql: str, returning: str = "") -> None:
    cursor.execute("DROP TABLE IF EXISTS bench_scoring_stage")
    cursor.execute(f"CREATE TEMP TABLE bench_scoring_stage ({stage_columns})")
    cursor.copy_expert("COPY bench_scoring_stage FROM STDIN", _copy_buffer(frame))
    cursor.execute(staged_insert(insert_sql, connection) + returning)


def shop_load(shop, *, customers: int, orders: int, seed: int) -> dict:
    """Generate and load one shop's customers and orders; returns counts and seconds."""
    started = time.perf_counter()
    data = dataset_generate(customers=customers, orders=orders, seed=seed)
    amounts = _order_totals_cents(data)
    now = datetime.now(UTC).isoformat()
    with shop_scope(shop.pk), connection.cursor() as cursor:
        customers_frame = _customers_frame(data, shop.pk, now)
        _stage_insert(cursor, CUSTOMER_STAGE, customers_frame, CUSTOMER_INSERT, " RETURNING phone, id")
        # Orders carry the ids the database gave the customers (matched by their unique phones).
        ids_by_phone = pd.Series(dict(cursor.fetchall()))
        customer_ids = ids_by_phone.reindex(customers_frame["phone"]).to_numpy(dtype=np.int64)
        for start in range(0, data.orders, CHUNK_ORDERS):
            span = slice(start, min(start + CHUNK_ORDERS, data.orders))
            frame = _orders_frame(data, amounts, span, shop.pk, customer_ids)
            _stage_insert(cursor, ORDER_STAGE, frame, ORDER_INSERT)
            if data.orders > CHUNK_ORDERS:
                print(f"    {shop.slug}: {span.stop:,} orders", file=sys.stderr, flush=True)
        cursor.execute("DROP TABLE bench_scoring_stage")
    return {"customers": data.customers, "orders": data.orders, "seconds": round(time.perf_counter() - started, 1)}
