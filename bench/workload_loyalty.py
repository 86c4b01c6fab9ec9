"""(e) Loyalty: what the program costs the bulk order ingest, and the nightly settle.

1. The bulk order ingest of workload_orders_bulk (the same generated orders, bodies,
   gunicorn and client threads) twice in the same run, into the emptied bench shop: with
   the loyalty program off, then on (every paid order earns pending points and growth in
   the order write's transaction, tiers recomputed for the batch's customers). Goal: on
   <= 1.2x off.
2. The settle over 1,000,000 pending entries whose return window has ended (spread over
   the ingest's customers, none expiring): `loyalty_settle` (pending -> available, the
   expiry scan, the tier recompute of every account) against the floor, the bare
   `UPDATE ... SET is_pending = false WHERE available_at <= now` on the same rows, each on
   freshly vacuumed rows. Goal: <= 2x.
"""

import time

from bench.common import bench_shop, bench_shop_empty, gunicorn_server, machine, peak_rss_mb, tables_vacuum, timed
from bench.workload_orders_bulk import CLIENTS, PORT, TABLES, THREADS, _api_key, _bodies, _send_all
from orders.synthetic import dataset_generate

# (orders, customers) for the ingest; the full size is a quarter of workload_orders_bulk's,
# so both passes and the settle fit in about ten minutes on the shared 2-core box.
SIZES = {"small": (3_000, 750), "full": (50_000, 12_500)}
PENDING = {"small": 50_000, "full": 1_000_000}
INGEST_GOAL, SETTLE_GOAL = 1.2, 2.0
LOYALTY_TABLES = ["loyalty_ledgerentry", "loyalty_loyaltyaccount", "loyalty_tierchange"]


def _program(shop, *, enabled: bool) -> None:
    from crm.tenancy.context import shop_scope
    from loyalty.services import program_update

    with shop_scope(shop.pk):
        program_update(shop=shop, data={"is_enabled": enabled})


def _ingest(shop, bodies, *, enabled: bool, timings: dict, label: str) -> dict:
    bench_shop_empty(shop)
    tables_vacuum(TABLES + LOYALTY_TABLES)
    _program(shop, enabled=enabled)
    api_key = _api_key(shop)
    with gunicorn_server(port=PORT, workers=CLIENTS, threads=THREADS) as address, timed(label, timings):
        return _send_all(address, api_key, bodies)


def _pending_entries_load(shop, count: int) -> None:
    """`count` earn entries, pending, due an hour ago, spread over the shop's customers."""
    from django.db import connection

    from crm.platform.postgresql.citus import staged_insert
    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute("DELETE FROM loyalty_ledgerentry WHERE shop_id = %s", [shop.pk])
        cursor.execute(
            staged_insert(
                """
            INSERT INTO loyalty_ledgerentry (shop_id, customer_id, kind, points, growth, remaining, is_pending,
                order_external_id, rule, reason, created_at, available_at, expires_at)
            SELECT %s, c.ids[1 + n %% array_length(c.ids, 1)], 'earn', 100, 100, 100, true, '', 'bench', '',
                now() - interval '8 days', now() - interval '1 hour', now() + interval '1 year'
            FROM generate_series(1, %s) AS n,
                 (SELECT array_agg(id ORDER BY id) AS ids FROM customers_customer WHERE shop_id = %s) AS c
            """,
                connection,
            ),
            [shop.pk, count, shop.pk],
        )


def _reset_pending(shop) -> None:
    from django.db import connection

    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute("UPDATE loyalty_ledgerentry SET is_pending = true WHERE shop_id = %s", [shop.pk])
    tables_vacuum(LOYALTY_TABLES)


def _settle_floor(shop) -> float:
    from django.db import connection

    from crm.tenancy.context import shop_scope

    started = time.perf_counter()
    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE loyalty_ledgerentry SET is_pending = false "
            "WHERE shop_id = %s AND is_pending AND available_at <= now()",
            [shop.pk],
        )
    return time.perf_counter() - started


def _settle_ours(shop) -> tuple[float, dict]:
    from django.utils import timezone

    from crm.tenancy.context import shop_scope
    from loyalty.services import loyalty_settle

    started = time.perf_counter()
    with shop_scope(shop.pk):
        result = loyalty_settle(shop=shop, at=timezone.now())
    return time.perf_counter() - started, result.__dict__


def run(size: str) -> dict:
    orders, customers = SIZES[size]
    timings: dict = {}
    shop = bench_shop("bench-loyalty")
    info = machine()
    with timed("generate", timings):
        bodies = _bodies(dataset_generate(customers=customers, orders=orders, lines=(2, 3), seed=11))
    results = {
        "off": _ingest(shop, bodies, enabled=False, timings=timings, label="ingest_program_off"),
        "on": _ingest(shop, bodies, enabled=True, timings=timings, label="ingest_program_on"),
    }
    ingest_ratio = timings["ingest_program_on"] / timings["ingest_program_off"]

    _pending_entries_load(shop, PENDING[size])
    _reset_pending(shop)
    timings["settle_floor"] = round(_settle_floor(shop), 3)
    _reset_pending(shop)
    settle_seconds, settled = _settle_ours(shop)
    timings["settle"] = round(settle_seconds, 3)
    settle_ratio = settle_seconds / timings["settle_floor"]
    bench_shop_empty(shop)
    return {
        "summary": f"ingest {orders:,} orders: program on {timings['ingest_program_on']:.1f}s vs off "
        f"{timings['ingest_program_off']:.1f}s ({ingest_ratio:.2f}x); settle {PENDING[size]:,} pending entries "
        f"{settle_seconds:.1f}s ({settle_ratio:.2f}x the bare UPDATE)",
        "floor": f"ingest with the program off {timings['ingest_program_off']:.1f}s; "
        f"UPDATE ... WHERE available_at <= now() {timings['settle_floor']:.1f}s",
        "ratio_to_floor": round(max(ingest_ratio, settle_ratio), 2),
        "ingest_ratio": round(ingest_ratio, 2),
        "settle_ratio": round(settle_ratio, 2),
        "goal": f"ingest on <= {INGEST_GOAL}x off; settle <= {SETTLE_GOAL}x the UPDATE",
        "goal_met": ingest_ratio <= INGEST_GOAL and settle_ratio <= SETTLE_GOAL,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "results": results,
        "settled": settled,
        "timings_seconds": timings,
        "setup": f"gunicorn {CLIENTS} workers x {THREADS} threads, {CLIENTS} client threads, real HTTP on 127.0.0.1",
        "machine": info,
    }
