"""Benchmark (c): customer search and the customers list endpoint on one shop with
1,000,000 customers ("full"; "small" has 20,000).

- Load: customers (names, phones, emails, regions from bench/datagen.py, order stats drawn
  from its repeat-purchase model), a storefront id each and tags on 10% are COPYed into a
  staging table and inserted in one statement (COPY FROM cannot target RLS tables). The
  app's code paths are used for reads only. A neighbour shop with a twentieth as many
  customers is loaded after it, so all its ids are higher: as in a real deployment, a page
  must not have to step over other shops' newer customers.
- Search: `customer_list(q=...)` in-process for names (3+ characters: substring; shorter:
  prefix and given-name prefix), phone digits (start, middle, end, all), emails (whole,
  middle), text and digits most rows contain, and storefront ids; p50/p95 against a
  floor: the bare SQL that finds the candidates (the search function, or the prefix
  predicate on its index) on the same rows; a two-character prefix and a common
  substring also under the list's other sort orders (last order, spend, order count).
- List endpoint: gunicorn on 127.0.0.1 and an open-loop load generator (one selector loop,
  pinned to one core, latency counted from each request's scheduled time so a stall cannot hide)
  at 500 requests/s, half first pages and half deep pages (cursors anywhere in the
  million); p50/p95/p99 and achieved rate. The deep/first ratio is also measured
  sequentially, and the bare keyset SQL is the floor.

Writes bench/results/customer_list.json. `python -m bench.workload_customer_list small`.
"""

import base64
import io
import json
import os
import random
import selectors
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import numpy as np

from bench.common import bench_shop_empty, django_setup, gunicorn_server, peak_rss_mb, timed

SIZES = {"small": 20_000, "full": 1_000_000}
SLUGS = {"small": "bench-customers-small", "full": "bench-customers"}
RESULTS = Path(__file__).resolve().parent / "results" / "customer_list.json"
ROOT = Path(__file__).resolve().parent.parent
RATE = 500
LOAD_SECONDS = {"small": 6, "full": 30}
SEARCH_SAMPLES = {"small": 40, "full": 200}
PAGE_SAMPLES = {"small": 100, "full": 300}
COPY_CHUNK = 100_000
TAGS = (("VIP", "#dc2626"), ("老客户", "#16a34a"), ("投诉过", "#f59e0b"), ("新客", "#2563eb"), ("沉睡", "#6b7280"))
SORTED_ORDERINGS = ("-last_order_at", "-total_spent", "-orders_count")
GOALS = {"search_p95_ms": 50, "list_p99_ms": 30, "rate": 500, "deep_over_first": 1.5}


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2) if values else float("nan")


def summary(values_ms: list[float]) -> dict:
    return {"n": len(values_ms), "p50": percentile(values_ms, 50), "p95": percentile(values_ms, 95),
            "p99": percentile(values_ms, 99), "max": round(max(values_ms), 2) if values_ms else None}  # fmt: skip


# --- loading ------------------------------------------------------------------------------


def _dataset(count: int):
    from orders.synthetic import dataset_generate

    return dataset_generate(customers=count, orders=int(count * 1.6), seed=11)


def _customer_stats(data) -> dict:
    """orders_count, total_spent, first/last order per customer from the dataset's orders."""
    counts = np.bincount(data.order_customer, minlength=data.customers)
    amounts = np.round(60 + 120 * data.propensity[data.order_customer], 2)
    spent = np.bincount(data.order_customer, weights=amounts, minlength=data.customers)
    last = np.zeros(data.customers, dtype=np.int64)
    np.maximum.at(last, data.order_customer, data.order_time.astype(np.int64))
    first = np.full(data.customers, np.iinfo(np.int64).max)
    np.minimum.at(first, data.order_customer, data.order_time.astype(np.int64))
    return {"counts": counts, "spent": spent, "first": first, "last": last}


def _customer_rows(data, stats: dict, shop_id: int, first_id: int, start: int, stop: int):
    now = datetime.now(UTC).isoformat()
    for i in range(start, stop):
        has_orders = i % 10 != 0  # a tenth never ordered: nulls in last_order_at
        first_at = datetime.fromtimestamp(int(stats["first"][i]), UTC).isoformat() if has_orders else None
        last_at = datetime.fromtimestamp(int(stats["last"][i]), UTC).isoformat() if has_orders else None
        yield (first_id + i, shop_id, data.names[i], "+86" + data.phones[i], data.emails[i], data.provinces[i],
               data.cities[i], "web", now, int(stats["counts"][i]) if has_orders else 0,
               f"{stats['spent'][i]:.2f}" if has_orders else "0.00", first_at, last_at)  # fmt: skip


CUSTOMER_COLUMNS = ("id, shop_id, name, phone, email, province, city, source_channel, created_at, orders_count, "
                    "total_spent, first_order_at, last_order_at")  # fmt: skip
CUSTOMER_DEFAULTS = ("gender, district, attributes, is_automated_targeting_refused, updated_at, refunds_count, "
                     "refunded_amount", "'unknown', '', '{}'::jsonb, false, now(), 0, 0")  # fmt: skip


def _copy(cursor, stage: str, columns: str, rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {stage} ({columns}) FROM STDIN", buffer)


def _load(shop, count: int) -> dict:
    from django.db import connection

    from bench.datagen import id_block_allocate
    from crm.platform.postgresql.citus import staged_insert
    from crm.tenancy.context import shop_scope

    data = _dataset(count)
    stats = _customer_stats(data)
    with shop_scope(shop.pk), connection.cursor() as cursor:
        first_id = id_block_allocate(cursor, "customers_customer", count)
        cursor.execute(f"CREATE TEMP TABLE stage_customer AS SELECT {CUSTOMER_COLUMNS} FROM customers_customer "
                       "WITH NO DATA")  # fmt: skip
        for start in range(0, count, COPY_CHUNK):
            _copy(cursor, "stage_customer", CUSTOMER_COLUMNS,
                  _customer_rows(data, stats, shop.pk, first_id, start, min(count, start + COPY_CHUNK)))  # fmt: skip
        defaults_columns, defaults_values = CUSTOMER_DEFAULTS
        cursor.execute(staged_insert(f"INSERT INTO customers_customer ({CUSTOMER_COLUMNS}, {defaults_columns}) "
                                     f"SELECT {CUSTOMER_COLUMNS}, {defaults_values} FROM stage_customer",
                                     connection))  # fmt: skip
        cursor.execute(
            staged_insert(
                "INSERT INTO customers_customerchannelid (shop_id, channel, external_id, customer_id, created_at) "
                "SELECT shop_id, 'web', 'U11-' || lpad((id - %s)::text, 7, '0'), id, now() FROM stage_customer",
                connection,
            ),
            [first_id],
        )
        _tags_load(cursor, shop.pk, first_id, count)
        cursor.execute("DROP TABLE stage_customer")
    return {"first_id": first_id, "data": data}


def _tags_load(cursor, shop_id: int, first_id: int, count: int) -> None:
    from django.db import connection

    from crm.platform.postgresql.citus import staged_insert

    now = datetime.now(UTC)
    for name, color in TAGS:
        cursor.execute("INSERT INTO customers_tag (shop_id, name, color, created_at) VALUES (%s, %s, %s, %s) "
                       "ON CONFLICT DO NOTHING", [shop_id, name, color, now])  # fmt: skip
    cursor.execute(
        staged_insert(
            "INSERT INTO customers_customertag (shop_id, customer_id, tag_id, source, created_at) "
            "SELECT %s, c, t.id, 'bench', now() FROM generate_series(%s, %s, 10) AS c "
            "JOIN customers_tag t ON t.shop_id = %s AND t.name = ANY(%s)",
            connection,
        ),
        [shop_id, first_id, first_id + count - 1, shop_id, ["VIP", "老客户"]],
    )


def _analyze() -> None:
    """Fresh planner statistics and visibility map, as autovacuum would leave them (needs the
    table owner: the migration role)."""
    import psycopg2

    from crm.platform.env import database_from_url, env_str

    settings = database_from_url(env_str("DATABASE_OWNER_URL"))
    connection = psycopg2.connect(dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"],
                                  host=settings["HOST"], port=settings["PORT"] or None)  # fmt: skip
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) customers_customer, customers_customerchannelid, customers_customertag")
    connection.close()


def _shop(size: str, timings: dict):
    """The bench shop, then its neighbour: another shop whose customers are all newer (higher
    ids), as in any deployment where other shops keep signing up customers. Without one, a
    plan that walks the primary key down from the newest id and filters by shop looks as
    fast as the shop's own index (that fault cost 25 ms a first page behind 50,000)."""
    shop, data, fresh = _loaded_shop(SLUGS[size], SIZES[size], timings)
    # Loaded after the shop, so its ids are above the shop's; again whenever the shop is.
    _loaded_shop(f"{SLUGS[size]}-neighbour", SIZES[size] // 20, timings, reload=fresh)
    with timed("analyze", timings):
        _analyze()
    return shop, data


def _loaded_shop(slug: str, count: int, timings: dict, *, reload: bool = False):
    """The shop `slug` with `count` customers: reused when already loaded by an earlier run
    (the data is deterministic) unless `reload`, else emptied and loaded. Returns (shop, its
    data set, whether it was loaded now)."""
    from crm.models import Shop
    from crm.shops.services import shop_create, user_get_or_create
    from crm.tenancy.context import shop_scope
    from customers.models import Customer

    shop = Shop.objects.filter(slug=slug).first()
    if shop is None:
        owner, _ = user_get_or_create(email=f"owner@{slug}.bench.test", password=None, full_name="Bench")
        shop = shop_create(slug=slug, name=slug, owner=owner)
    with shop_scope(shop.pk):
        loaded = Customer.objects.count()
    if loaded == count and not reload and os.environ.get("BENCH_RELOAD") != "1":
        return shop, _dataset(count), False
    with timed(f"empty {slug}", timings):
        bench_shop_empty(shop)
    with timed(f"load_copy {slug}", timings):
        data = _load(shop, count)["data"]
    return shop, data, True


# --- search -------------------------------------------------------------------------------


def _search_queries(data, samples: int, rng: random.Random) -> dict[str, list[str]]:
    picks = [rng.randrange(data.customers) for _ in range(samples)]
    emailed = [i for i in picks if data.emails[i]]
    return {
        "name_full": [data.names[i] for i in picks],
        "name_prefix_2": [data.names[i][:2] for i in picks],
        "given_name": [data.names[i][1:] for i in picks],
        "phone_prefix_7": [data.phones[i][:7] for i in picks],
        "phone_middle_4": [data.phones[i][4:8] for i in picks],
        "phone_middle_6": [data.phones[i][3:9] for i in picks],
        "phone_last_4": [data.phones[i][-4:] for i in picks],
        "phone_full": [data.phones[i] for i in picks],
        "email": [data.emails[i] for i in emailed],
        # The local part without its start ("user11x12345" -> "11x12345"); the data has no
        # Latin names, and a name is matched by the same function and index kind as this.
        "email_middle": [data.emails[i].split("@")[0][4:] for i in emailed],
        # Text and digits a large share of the shop contains ("gmail", "138").
        "common_text": [data.emails[i].split("@")[1][:5] for i in emailed],
        "common_digits": [data.phones[i][:3] for i in picks],
        "external_id": [f"U11-{i:07d}" for i in picks],
    }


# Prefix matches on these keys' indexes: names of fewer than three characters, addresses.
PREFIX_KEYS = {"name_full": "name_key", "name_prefix_2": "name_key", "given_name": "given_name_key",
               "email": "email"}  # fmt: skip


def _floor(cursor, shop_id: int, kind: str, query: str) -> None:
    """The bare SQL that finds the candidates, on the same index: the storefront id lookup,
    the prefix predicate, or else the search function."""
    from customers.selectors.search import MAX_ID

    if kind == "external_id":
        cursor.execute("SELECT customer_id FROM customers_customerchannelid WHERE shop_id = %s AND "
                       "external_id = %s LIMIT 20", [shop_id, query])  # fmt: skip
    elif kind == "email" or len(query) < 3:
        cursor.execute(f"SELECT id FROM customers_customer WHERE shop_id = %s AND merged_into_id IS NULL AND "
                       f"starts_with({PREFIX_KEYS[kind]}, %s) ORDER BY id DESC LIMIT 51",
                       [shop_id, query.lower()])  # fmt: skip
    else:
        cursor.execute("SELECT id FROM customer_search_ids(%s, %s, %s, %s, 51) AS found(id)",
                       [shop_id, query, kind.startswith(("phone", "common_digits")), MAX_ID])  # fmt: skip
    cursor.fetchall()


def _search(shop, data, samples: int) -> dict:
    from django.db import connection

    from crm.tenancy.context import shop_scope
    from customers.selectors import customer_list

    results = {}
    queries_by_kind = _search_queries(data, samples, random.Random(5))
    # The list's other sort orders, on a prefix and a substring search (their candidates
    # are the same as for -id, so the floor is too).
    runs = [(kind, kind, "-id") for kind in queries_by_kind] + [
        (f"{kind} {ordering}", kind, ordering)
        for kind in ("name_prefix_2", "common_text")
        for ordering in SORTED_ORDERINGS
    ]
    for label, kind, ordering in runs:
        app_ms, floor_ms = [], []
        with shop_scope(shop.pk), connection.cursor() as cursor:
            for query in queries_by_kind[kind]:
                start = time.perf_counter()
                customer_list(shop=shop, params={"q": query}, cursor=None, size=50, ordering=ordering)
                app_ms.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                _floor(cursor, shop.pk, kind, query)
                floor_ms.append((time.perf_counter() - start) * 1000)
        ratio = round(percentile(app_ms, 95) / max(percentile(floor_ms, 95), 0.01), 2)
        results[label] = {"app": summary(app_ms), "floor": summary(floor_ms), "ratio_p95": ratio}
        print(f"  search {label}: p95 {results[label]['app']['p95']} ms (floor {results[label]['floor']['p95']})",
              file=sys.stderr, flush=True)  # fmt: skip
    every = [value for item in results.values() for value in (item["app"]["p95"],)]
    return {"by_kind": results, "worst_p95_ms": max(every)}


# --- the list endpoint over HTTP ----------------------------------------------------------


def _cursor(last_id: int) -> str:
    raw = json.dumps([None, last_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _list_paths(first_id: int, count: int, rng: random.Random, n: int) -> list[tuple[str, str]]:
    paths = []
    for index in range(n):
        if index % 2 == 0:
            paths.append(("first", "/api/v1/customers/?page_size=50"))
        else:
            position = first_id + rng.randrange(count // 100, count)
            paths.append(("deep", f"/api/v1/customers/?page_size=50&cursor={_cursor(position)}"))
    return paths


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sequential(port: int, key: str, paths: list[tuple[str, str]]) -> dict[str, list[float]]:
    """One request at a time on one keep-alive connection: service time per kind."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port)
    timings: dict[str, list[float]] = {}
    for kind, path in paths:
        start = time.perf_counter()
        connection.request("GET", path, headers={"Authorization": f"Bearer {key}"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {body[:200]!r}")
        timings.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
    connection.close()
    return timings


def _keyset_floor(shop, first_id: int, count: int, samples: int) -> dict:
    from django.db import connection

    from crm.tenancy.context import shop_scope

    rng, timings = random.Random(9), {"first": [], "deep": []}
    sql = ("SELECT id, name, phone, email FROM customers_customer WHERE shop_id = %s AND merged_into_id IS NULL "
           "AND id < %s ORDER BY id DESC LIMIT 51")  # fmt: skip
    with shop_scope(shop.pk), connection.cursor() as cursor:
        for index in range(samples):
            kind = "first" if index % 2 == 0 else "deep"
            before = first_id + count + 1 if kind == "first" else first_id + rng.randrange(count // 100, count)
            start = time.perf_counter()
            cursor.execute(sql, [shop.pk, before])
            cursor.fetchall()
            timings[kind].append((time.perf_counter() - start) * 1000)
    return {kind: summary(values) for kind, values in timings.items()}


def _api_key(shop) -> str:
    from crm.shops.services import api_key_create
    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk):
        _, raw_key = api_key_create(shop=shop, name=f"bench-{time.time_ns()}")
    return raw_key


def _http(shop, first_id: int, count: int, size: str) -> dict:
    key, port = _api_key(shop), _free_port()
    with gunicorn_server(port=port, workers=3, threads=4):
        _sequential(port, key, _list_paths(first_id, count, random.Random(1), 60))  # warm every worker
        sequential = _sequential(port, key, _list_paths(first_id, count, random.Random(2), PAGE_SAMPLES[size] * 2))
        queries = ("王", "王秀", "秀英", "138", "8000", "user11x1", "U11-0000042")
        search = _sequential(port, key, [("search", f"/api/v1/customers/?q={quote(q)}") for q in queries])
        sorted_pages = _sequential(
            port,
            key,
            [(ordering, f"/api/v1/customers/?page_size=50&ordering={ordering}") for ordering in SORTED_ORDERINGS * 5],
        )
        first = summary(sequential["first"])
        paths = _list_paths(first_id, count, random.Random(3), RATE * LOAD_SECONDS[size])
        capacity = _loadgen_run(port, key, {"mode": "closed", "concurrency": 8, "seconds": 10, "paths": paths})
        _drain(port, key, first["p50"])
        at_goal = _loadgen_run(port, key, {"mode": "open", "rate": RATE, "paths": paths})
        _drain(port, key, first["p50"])
        sustainable = max(1, int(capacity["achieved_rate"] * 0.8))
        count_at = sustainable * LOAD_SECONDS[size]
        at_80 = _loadgen_run(port, key, {"mode": "open", "rate": sustainable, "paths": paths[:count_at]})
    first, deep = summary(sequential["first"]), summary(sequential["deep"])
    return {
        "sequential": {"first": first, "deep": deep, "deep_over_first_p50": round(deep["p50"] / first["p50"], 2),
                       "deep_over_first_p95": round(deep["p95"] / first["p95"], 2)},
        "search_smoke_ms": summary(search["search"]),
        "sorted_first_page_ms": {ordering: summary(values) for ordering, values in sorted_pages.items()},
        "capacity_closed_loop_8": capacity,
        "load_at_goal_rate": at_goal,
        "load_at_80pct_capacity": at_80,
    }  # fmt: skip


def _drain(port: int, key: str, baseline_ms: float) -> None:
    """Wait until requests abandoned by the last phase are through the server."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        probe = _sequential(port, key, [("probe", "/api/v1/customers/?page_size=50")])["probe"][0]
        if probe < 3 * baseline_ms:
            return
        time.sleep(1)


def _loadgen_run(port: int, key: str, spec: dict) -> dict:
    """Run the load generator in its own process pinned to the last CPU."""
    payload = json.dumps({"port": port, "key": key, **spec})
    done = subprocess.run([sys.executable, "-m", "bench.workload_customer_list", "--loadgen"], input=payload,
                          capture_output=True, text=True, cwd=ROOT, timeout=900, check=False)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


# --- the load generator (child process) -------------------------------------------------
# One thread, non-blocking sockets and one selector: the generator shares the box's two
# cores with the server, so its own CPU per request is kept low (the asyncio streams version
# cost 0.11-0.25 ms a request; this one about half). Each keep-alive connection carries one
# request at a time; a request finding no idle connection opens a new one.


class _Exchange:
    """One request in flight on a connection: the response so far, parsed as it arrives."""

    __slots__ = ("request", "kind", "started", "data", "head_end", "length")

    def __init__(self, request: bytes, kind: str, started: float):
        self.request, self.kind, self.started = request, kind, started
        self.data, self.head_end, self.length = bytearray(), -1, 0

    def feed(self, chunk: bytes) -> bool:
        """Add received bytes; True once the whole response is in."""
        self.data += chunk
        if self.head_end < 0:
            self.head_end = self.data.find(b"\r\n\r\n")
            if self.head_end < 0:
                return False
            head = bytes(self.data[: self.head_end + 2]).lower()  # every header line ends in CRLF
            start = head.find(b"\r\ncontent-length:")
            self.length = int(head[start + 17 : head.find(b"\r\n", start + 2)]) if start >= 0 else 0
        return len(self.data) >= self.head_end + 4 + self.length

    @property
    def status(self) -> int:
        return int(self.data[9:12])


class _Connections:
    """Idle keep-alive connections and the exchanges in flight, behind one selector."""

    def __init__(self, port: int):
        self.port, self.selector, self.idle, self.busy = port, selectors.DefaultSelector(), [], {}

    def send(self, request: bytes, kind: str, started: float) -> None:
        if self.idle:
            connection = self.idle.pop()
        else:
            connection = socket.create_connection(("127.0.0.1", self.port))
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection.setblocking(False)
            self.selector.register(connection, selectors.EVENT_READ)
        self.busy[connection] = _Exchange(request, kind, started)
        try:
            connection.sendall(request)  # a few hundred bytes: the socket buffer takes them at once
        except (BrokenPipeError, ConnectionResetError):
            self._resend_on_new_connection(connection)

    def _resend_on_new_connection(self, connection: socket.socket) -> None:
        """The server closed an idle keep-alive connection (gunicorn's keep-alive timeout)
        before our request on it got any answer: send it again on a new connection, as HTTP
        clients do with a GET; its latency still counts from its scheduled time."""
        exchange = self.busy.pop(connection)
        self.selector.unregister(connection)
        connection.close()
        if exchange.data:
            raise ConnectionError("the server closed a connection in the middle of a response")
        self.send(exchange.request, exchange.kind, exchange.started)

    def receive(self, timeout: float) -> list[_Exchange]:
        """Wait up to `timeout` for data; the exchanges completed meanwhile."""
        done = []
        for key, _ in self.selector.select(timeout):
            connection = key.fileobj
            try:
                chunk = connection.recv(262144)
            except ConnectionResetError:
                chunk = b""
            if not chunk and connection in self.busy:
                self._resend_on_new_connection(connection)
                continue
            if not chunk:  # an idle connection the server timed out
                self.idle.remove(connection)
                self.selector.unregister(connection)
                connection.close()
                continue
            exchange = self.busy[connection]
            if exchange.feed(chunk):
                del self.busy[connection]
                self.idle.append(connection)
                done.append(exchange)
        return done


def _request_bytes(path: str, key: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n\r\n".encode()


def _load_result(latencies: dict, errors: list, elapsed: float, **extra) -> dict:
    every = latencies["first"] + latencies["deep"]
    return {
        **extra,
        "achieved_rate": round(len(every) / elapsed, 1),
        "completed": len(every),
        "errors": len(errors),
        "all": summary(every),
        "first": summary(latencies["first"]),
        "deep": summary(latencies["deep"]),
    }


def _record(exchange: _Exchange, now: float, latencies: dict, errors: list) -> None:
    if exchange.status != 200:
        errors.append(exchange.status)
    latencies[exchange.kind].append((now - exchange.started) * 1000)


def _open_loop(port: int, key: str, rate: int, paths: list) -> dict:
    """Send request i at start + i/rate whatever happened before; latency counts from that
    scheduled time (so a late send counts against the server too). Requests not done 10 s
    after the last one is due are abandoned."""
    requests = [(kind, _request_bytes(path, key)) for kind, path in paths]
    connections = _Connections(port)
    latencies: dict[str, list[float]] = {"first": [], "deep": []}
    errors: list = []
    start = time.monotonic() + 0.5
    deadline = start + len(requests) / rate + 10
    sent = 0
    while (sent < len(requests) or connections.busy) and time.monotonic() < deadline:
        now = time.monotonic()
        while sent < len(requests) and start + sent / rate <= now:
            kind, request = requests[sent]
            connections.send(request, kind, start + sent / rate)
            sent += 1
        due = start + sent / rate if sent < len(requests) else deadline
        for exchange in connections.receive(max(0.0, due - time.monotonic())):
            _record(exchange, time.monotonic(), latencies, errors)
    elapsed = time.monotonic() - start
    return _load_result(latencies, errors, elapsed, mode="open", target_rate=rate, requests=len(requests),
                        abandoned=len(requests) - len(latencies["first"]) - len(latencies["deep"]))  # fmt: skip


def _closed_loop(port: int, key: str, concurrency: int, seconds: float, paths: list) -> dict:
    """`concurrency` clients sending back to back: the server's throughput."""
    requests = [(kind, _request_bytes(path, key)) for kind, path in paths]
    connections = _Connections(port)
    latencies: dict[str, list[float]] = {"first": [], "deep": []}
    errors: list = []
    start = time.monotonic()
    for index in range(concurrency):
        kind, request = requests[index % len(requests)]
        connections.send(request, kind, time.monotonic())
    sent = concurrency
    while connections.busy:
        for exchange in connections.receive(1.0):
            now = time.monotonic()
            _record(exchange, now, latencies, errors)
            if now - start < seconds:
                kind, request = requests[sent % len(requests)]
                connections.send(request, kind, now)
                sent += 1
    return _load_result(latencies, errors, time.monotonic() - start, mode="closed", concurrency=concurrency)


def _loadgen_main() -> None:
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[-1]})  # one core for the generator, or it measures itself
    spec = json.loads(sys.stdin.read())
    if spec["mode"] == "closed":
        result = _closed_loop(spec["port"], spec["key"], spec["concurrency"], spec["seconds"], spec["paths"])
    else:
        result = _open_loop(spec["port"], spec["key"], spec["rate"], spec["paths"])
    result["generator_cpu"] = cpus[-1]
    print(json.dumps(result))


# --- entry point ----------------------------------------------------------------------------


def run(size: str) -> dict:
    django_setup()
    count = SIZES[size]
    timings: dict = {}
    load_before = os.getloadavg()
    shop, data = _shop(size, timings)
    from crm.tenancy.context import shop_scope
    from customers.models import Customer

    with shop_scope(shop.pk):
        first_id = Customer.objects.order_by("pk").values_list("pk", flat=True).first()
    with timed("search", timings):
        search = _search(shop, data, SEARCH_SAMPLES[size])
    floor = _keyset_floor(shop, first_id, count, PAGE_SAMPLES[size] * 2)
    with timed("http", timings):
        http = _http(shop, first_id, count, size)
    load = http["load_at_goal_rate"]
    verdict = {
        "search_p95_ms": search["worst_p95_ms"],
        "list_p99_ms_at_500": load["all"]["p99"],
        "achieved_rate_at_500": load["achieved_rate"],
        "capacity_rps": http["capacity_closed_loop_8"]["achieved_rate"],
        "list_p99_ms_at_80pct_capacity": http["load_at_80pct_capacity"]["all"]["p99"],
        "deep_over_first_p50": http["sequential"]["deep_over_first_p50"],
    }
    at_80 = http["load_at_80pct_capacity"]
    first = http["sequential"]["first"]
    result = {
        "workload": "customer_list",
        "size": size,
        "customers": count,
        "cpus": os.cpu_count(),
        "goals": GOALS,
        "search": search,
        "list_endpoint": http,
        "list_floor_sql": floor,
        "list_p99_over_floor_p99": round(load["all"]["p99"] / max(floor["first"]["p99"], 0.01), 1),
        "verdict": verdict,
        "summary": (
            f"{count:,} customers: search worst p95 {verdict['search_p95_ms']} ms; list capacity "
            f"{verdict['capacity_rps']:,.0f} req/s, p99 {at_80['all']['p99']} ms at {at_80['target_rate']} req/s "
            f"(at {RATE} req/s: {load['achieved_rate']:,.0f} served, p99 {load['all']['p99']:,.0f} ms); "
            f"sequential p50 {first['p50']} ms, deep/first {verdict['deep_over_first_p50']}"
        ),
        "floor": f"keyset SQL p99 {floor['first']['p99']} ms (first page), {floor['deep']['p99']} ms (deep)",
        "ratio_to_floor": round(first["p50"] / max(floor["first"]["p50"], 0.01), 1),
        "goal": "search p95 < 50 ms; list p99 < 30 ms at >= 500 req/s; deep page <= 1.5x first",
        "goal_met": verdict["search_p95_ms"] < GOALS["search_p95_ms"]
        and verdict["list_p99_ms_at_500"] < GOALS["list_p99_ms"]
        and verdict["achieved_rate_at_500"] >= 0.98 * RATE
        and verdict["deep_over_first_p50"] <= GOALS["deep_over_first"],
        "timings_s": timings,
        # This box is shared: the 1-minute load average at start and end says how much.
        "load_average_1m": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "finished_at": datetime.now(UTC).isoformat(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return result


if __name__ == "__main__":
    if sys.argv[1:] == ["--loadgen"]:
        _loadgen_main()
    else:
        print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "small")["verdict"], indent=2))
