"""(a) Bulk order ingest through `POST /api/v1/orders/bulk/` over real HTTP.

200,000 orders (2-3 lines each) for 50,000 customers, 1,000 per request, sent by two
client threads over keep-alive connections to a 2-worker gunicorn (4 threads each, as in
the Procfile) on 127.0.0.1 — the upsert path with identity resolution, customer stats and
status history, as a storefront would call it. Then the same requests again (the
idempotent replay: every order unchanged). The floor: the same rows (customers, one
channel id per channel a customer ordered on, orders, lines, status history) loaded with
COPY, one transaction per 10,000 orders, into the same tables with the same indexes and
keys (COPY into temp tables + INSERT ... SELECT, because PostgreSQL refuses COPY FROM into
tables with row-level security), ids pre-assigned. Request bodies and COPY text are
prepared before timing. Client, server and PostgreSQL share the machine's cores, so the
load generator competes with what it measures: the figure is for the whole box; `cpu_seconds` and `cpu_ms_per_request`
show what the client, gunicorn and PostgreSQL each spent per pass.
"""

import http.client
import json
import os
import threading
import time
from pathlib import Path

from bench.common import (
    bench_shop,
    bench_shop_empty,
    copy_floor_seconds,
    gunicorn_server,
    machine,
    peak_rss_mb,
    tables_vacuum,
    timed,
)
from orders.synthetic import dataset_generate, order_payloads

SIZES = {"small": (3_000, 750), "full": (200_000, 50_000)}
BATCH = 1_000
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "2"))
THREADS = 4
PORT = 8719
GOAL_RATE = 15_000
GOAL_RATIO = 5.0
TABLES = ["customers_customer", "customers_customerchannelid", "orders_order", "orders_orderline",
          "orders_orderstatuschange"]  # fmt: skip


def _bodies(data) -> list[bytes]:
    return [
        json.dumps({"orders": list(order_payloads(data, start, min(start + BATCH, data.orders)))},
                   ensure_ascii=False).encode()
        for start in range(0, data.orders, BATCH)
    ]  # fmt: skip


def _send_all(address: str, api_key: str, bodies: list[bytes]) -> dict:
    """POST every body with CLIENTS keep-alive connections; returns result counts."""
    host, port = address.split(":")
    pending = list(reversed(range(len(bodies))))
    lock = threading.Lock()
    totals = {"created": 0, "updated": 0, "unchanged": 0, "errors": 0, "http_errors": 0}

    def worker():
        client = http.client.HTTPConnection(host, int(port), timeout=300)
        headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        while True:
            with lock:
                if not pending:
                    break
                index = pending.pop()
            client.request("POST", "/api/v1/orders/bulk/", body=bodies[index], headers=headers)
            response = client.getresponse()
            payload = response.read()
            with lock:
                if response.status != 200:
                    totals["http_errors"] += 1
                    print(response.status, payload[:300], flush=True)
                    continue
                body = json.loads(payload)
                for name in ("created", "updated", "unchanged", "errors"):
                    totals[name] += body[name]
        client.close()

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return totals


def _cpu_seconds() -> dict[str, float]:
    """User + system CPU of every running PostgreSQL process and of this workload's
    gunicorn (master and workers), from /proc."""
    totals = {"postgres": 0, "gunicorn": 0}
    for process in Path("/proc").glob("[0-9]*"):
        try:
            fields = (process / "stat").read_text().rsplit(") ", 1)
            command = (process / "cmdline").read_bytes() if "(gunicorn" in fields[0] else b""
        except OSError:
            continue  # exited meanwhile
        values = fields[1].split()
        if fields[0].endswith("(postgres"):
            totals["postgres"] += int(values[11]) + int(values[12])
        elif f"127.0.0.1:{PORT}".encode() in command:
            totals["gunicorn"] += int(values[11]) + int(values[12])
    return {name: ticks / os.sysconf("SC_CLK_TCK") for name, ticks in totals.items()}


def _api_key(shop) -> str:
    from crm.models import ApiKey
    from crm.shops.services import api_key_create
    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk):
        ApiKey.objects.filter(name="bench").delete()
        return api_key_create(shop=shop, name="bench")[1]


def run(size: str) -> dict:
    orders, customers = SIZES[size]
    timings: dict = {}
    shop = bench_shop("bench-orders-bulk")
    info = machine()
    with timed("generate", timings):
        data = dataset_generate(customers=customers, orders=orders, lines=(2, 3), seed=11)
        bodies = _bodies(data)
    tables_vacuum(TABLES)
    floor_seconds = copy_floor_seconds(shop, data)
    timings["copy_floor"] = round(floor_seconds, 3)
    bench_shop_empty(shop)
    tables_vacuum(TABLES)
    api_key = _api_key(shop)
    cpu, totals = {"client": {}, "gunicorn": {}, "postgres": {}}, {}
    # Threads as in the Procfile: with one thread a worker that got both keep-alive
    # connections served them in turn while the other worker idled (replay 12,700 vs
    # 23,600 orders/s from one run to the next).
    with gunicorn_server(port=PORT, workers=CLIENTS, threads=THREADS) as address:
        for label in ("ingest", "replay"):
            # Read while the workers and their database sessions live: an exited process's CPU is gone.
            client_start, server_start = time.process_time(), _cpu_seconds()
            with timed(f"http_{label}", timings):
                totals[label] = _send_all(address, api_key, bodies)
            server_end = _cpu_seconds()
            cpu["client"][label] = round(time.process_time() - client_start, 1)
            for name in ("gunicorn", "postgres"):
                cpu[name][label] = round(server_end[name] - server_start[name], 1)
    requests = len(bodies)
    per_request = {
        label: {name: round(cpu[name][label] / requests * 1000) for name in ("gunicorn", "postgres")}
        for label in ("ingest", "replay")
    }
    rate = orders / timings["http_ingest"]
    floor_rate = orders / floor_seconds
    ratio = timings["http_ingest"] / floor_seconds
    return {
        "summary": f"{rate:,.0f} orders/s via HTTP bulk ({orders:,} orders, {customers:,} customers); "
        f"replay {orders / timings['http_replay']:,.0f} orders/s",
        "floor": f"{floor_rate:,.0f} orders/s (COPY, same rows, same tables)",
        "ratio_to_floor": round(ratio, 2),
        "goal": f">= {GOAL_RATE:,} orders/s and <= {GOAL_RATIO}x COPY",
        "goal_met": rate >= GOAL_RATE and ratio <= GOAL_RATIO,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "orders_per_second": round(rate),
        "replay_orders_per_second": round(orders / timings["http_replay"]),
        "floor_orders_per_second": round(floor_rate),
        "lines": int(data.line_start[-1]),
        "results_first_pass": totals["ingest"],
        "results_replay": totals["replay"],
        "timings_seconds": timings,
        # Client (this process's sender threads), gunicorn (master and workers) and every
        # PostgreSQL process on the box (other sessions' queries included) during each HTTP pass.
        "cpu_seconds": cpu,
        "cpu_ms_per_request": per_request,
        "setup": f"gunicorn {CLIENTS} workers x {THREADS} threads, {CLIENTS} client threads, "
        f"{BATCH} orders per request, real HTTP on 127.0.0.1",
        "machine": info,
    }
