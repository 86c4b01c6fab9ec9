"""What every workload needs: Django set up against the dev database, dedicated bench
shops (slugs `bench-...`) emptied at the start of each run, and peak-memory readings.

The bench runs against the dev database `shopcrm` as the app role, inside each bench
shop's scope, so row-level security applies as in production; emptying a shop deletes
its rows from every tenant table except memberships and API keys.
"""

import graphlib
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import django

KEEP_TABLES = {"crm_membership", "crm_apikey"}
ANALYZE_FIRST = ["customers_customer", "customers_customerchannelid", "orders_order", "orders_orderline",
                 "orders_orderstatuschange"]  # fmt: skip


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.dev")
    os.environ.setdefault("DEBUG", "0")  # DEBUG keeps every query in memory
    django.setup()


def bench_size() -> str:
    size = os.environ.get("BENCH_SIZE", "full")
    if size not in ("small", "full"):
        raise SystemExit(f"BENCH_SIZE must be small or full, not {size!r}")
    return size


def bench_shop(slug: str):
    """The bench shop `slug` (created with an owner on first use), emptied."""
    from crm.models import Shop
    from crm.shops.services import shop_create, user_get_or_create

    assert slug.startswith("bench-"), "bench shops are named bench-..."
    shop = Shop.objects.filter(slug=slug).first()
    if shop is None:
        owner, _ = user_get_or_create(email=f"owner@{slug}.bench.test", password=None, full_name="Bench")
        shop = shop_create(slug=slug, name=slug, owner=owner)
    bench_shop_empty(shop)
    return shop


def bench_shop_empty(shop) -> None:
    from django.db import connection

    from crm.tenancy.context import shop_scope

    # Fresh statistics first: planned on stale ones (the shop "has no rows"), the foreign
    # key checks of a mass delete pick any shop-first index and scan the whole shop per row.
    tables_vacuum(ANALYZE_FIRST, analyze_only=True)
    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'shop_id' AND table_name <> ALL(%s)",
            [sorted(KEEP_TABLES)],
        )
        tables = {table for (table,) in cursor.fetchall()}
        cursor.execute(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid <> confrelid"
        )
        # A table's rows go after the rows pointing at them (every foreign key holds after
        # each statement; Citus does not pass SET CONSTRAINTS on to the workers).
        order = graphlib.TopologicalSorter({table: set() for table in tables})
        for source, target in cursor.fetchall():
            if source in tables and target in tables:
                order.add(target, source)
        for table in order.static_order():
            cursor.execute(f'DELETE FROM "{table}" WHERE shop_id = %s', [shop.pk])  # noqa: S608 (catalog names)


def peak_rss_mb() -> float:
    """This process's peak resident set size so far: VmHWM, which starts afresh at exec
    (getrusage's ru_maxrss carries a parent's peak over fork and exec)."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


@contextmanager
def timed(label: str, into: dict):
    start = time.perf_counter()
    yield
    into[label] = round(time.perf_counter() - start, 3)
    print(f"  {label}: {into[label]:.2f}s", file=sys.stderr, flush=True)


def tables_vacuum(tables: list[str], *, analyze_only: bool = False) -> None:
    """VACUUM ANALYZE after emptying a bench shop, so every measured run starts from the
    same table state. VACUUM needs the table owner: the one place the bench uses the
    owner role (a raw connection, bench/ only)."""
    import psycopg2

    connection = psycopg2.connect(os.environ["DATABASE_OWNER_URL"])
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f'{"ANALYZE" if analyze_only else "VACUUM ANALYZE"} "{table}"')
    finally:
        connection.close()


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "python": sys.version.split()[0],
        "postgres": postgres,
    }


@contextmanager
def gunicorn_server(*, port: int, workers: int = 2, threads: int = 1):
    """A real gunicorn on 127.0.0.1 (dev settings, DEBUG off, gunicorn.conf.py) for HTTP
    workloads. The per-key throttle is lifted: the workloads measure the endpoints."""
    import subprocess
    import urllib.request

    root = Path(__file__).resolve().parent.parent
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.dev", "DEBUG": "0",
                   "ALLOWED_HOSTS": "127.0.0.1,localhost", "API_KEY_RATE": "100000000/min"}  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [str(root / ".venv" / "bin" / "gunicorn"), "crm.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "30",
         "--timeout", "300", "--log-level", "warning"],
        cwd=root, env=environment,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()  # noqa: S310 (local)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def copy_floor_seconds(shop, data) -> float:
    """The floor of the ingest workloads: `data`'s customers, channel ids, orders, lines
    and status history loaded with COPY into the same tables, one transaction per 10,000
    orders (the COPY text is prepared before the clock starts)."""
    from django.db import connection

    from bench.datagen import copy_buffers, copy_load, id_block_allocate
    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk), connection.cursor() as cursor:
        first_customer = id_block_allocate(cursor, "customers_customer", data.customers)
        first_order = id_block_allocate(cursor, "orders_order", data.orders)
    transactions = copy_buffers(data, first_customer_id=first_customer, first_order_id=first_order, shop_id=shop.pk)
    started = time.perf_counter()
    for buffers in transactions:
        with shop_scope(shop.pk), connection.cursor() as cursor:
            copy_load(cursor, buffers)
    return time.perf_counter() - started
