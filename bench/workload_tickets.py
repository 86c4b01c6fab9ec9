"""Benchmark: the ticket queue and the SLA scan on one shop with 100,000 tickets and 20
agents ("full"; "small" has 10,000).

- Load: customers and tickets written through the ORM's bulk_create (due times spread from
  three days ago to three days ahead; a third of the tickets still active, a tenth of those
  unassigned), then ANALYZE.
- Queue: gunicorn on 127.0.0.1 and sequential GETs of the first page of the common views
  (team, unassigned, one agent's, breached, breaching soon, severity 1) through
  `/api/v1/tickets/`; p50/p95 per view against a floor: the keyset SQL of the same page
  (same filter, `ORDER BY due_at, id LIMIT page + 1`) on the same rows. The goal compares
  the ratio with the customers list's ratio to its floor (bench/results/customer_list.json).
- SLA scan: `sla_notices_create` (the INSERT ... SELECT ... ON CONFLICT of the breach
  scanner) over every active ticket, once when it writes every notice and again when every
  notice exists (the steady state, each minute), each in a transaction rolled back so
  every sample does the same work; the floor is one SQL scan of the same tickets' due times.

Writes bench/results/tickets.json: `BENCH_SIZE=small python -m bench.run tickets`.
"""

import http.client
import json
import os
import random
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bench.common import bench_shop, gunicorn_server, peak_rss_mb, tables_vacuum, timed

SIZES = {"small": 10_000, "full": 100_000}
SLUGS = {"small": "bench-tickets-small", "full": "bench-tickets"}
RESULTS = Path(__file__).resolve().parent / "results" / "tickets.json"
CUSTOMER_LIST_RESULTS = RESULTS.parent / "customer_list.json"
AGENTS = 20
PAGE = 50
SAMPLES = {"small": 60, "full": 200}
SCAN_SAMPLES = 7
BATCH = 5_000
NOW = datetime.now(UTC).replace(microsecond=0)


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def summary(values_ms: list[float]) -> dict:
    return {"n": len(values_ms), "p50": percentile(values_ms, 50), "p95": percentile(values_ms, 95)}


# --- loading ------------------------------------------------------------------------------


def _agents(shop) -> list[int]:
    from crm.models import Role
    from crm.shops.services import membership_set, user_get_or_create
    from crm.tenancy.context import shop_scope

    ids = []
    with shop_scope(shop.pk):
        for index in range(AGENTS):
            user, _ = user_get_or_create(email=f"agent{index}@{shop.slug}.bench.test", password=None, full_name="")
            membership_set(shop=shop, user=user, role=Role.AGENT)
            ids.append(user.pk)
    return ids


def _ticket(shop_id: int, number: int, customer_id: int, category_id: int, agents: list[int], rng: random.Random):
    from tickets.models import Ticket

    opened_at = NOW - timedelta(minutes=rng.randrange(60, 60 * 24 * 30))
    is_active = rng.random() < 1 / 3
    status = rng.choice(("new", "open", "open", "open", "waiting")) if is_active else rng.choice(("resolved", "closed"))
    due = NOW + timedelta(minutes=rng.randrange(-3 * 24 * 60, 3 * 24 * 60))
    replied = None if rng.random() < 0.5 else opened_at + timedelta(minutes=30)
    return Ticket(
        shop_id=shop_id, number=number, customer_id=customer_id, category_id=category_id, channel="form",
        subject=f"投诉 {number}", status=status, severity=rng.choice((1, 2, 2, 3, 3, 3, 4)),
        assignee_id=None if is_active and rng.random() < 0.1 else rng.choice(agents), opened_at=opened_at,
        first_reply_due_at=due, first_replied_at=replied,
        next_reply_due_at=due + timedelta(hours=2) if replied else None,
        resolution_due_at=due + timedelta(days=1), sla_paused_at=NOW if status == "waiting" else None,
        resolved_at=opened_at + timedelta(days=1) if not is_active else None,
    )  # fmt: skip


def _load(shop, count: int) -> None:
    from crm.tenancy.context import shop_scope
    from customers.models import Customer
    from tickets.models import DEFAULT_CATEGORIES, Ticket, TicketCategory

    rng, agents = random.Random(19), _agents(shop)
    with shop_scope(shop.pk):
        customers = Customer.objects.bulk_create(
            [
                Customer(shop=shop, name=f"客户{i}", phone=f"+86139{i:08d}", email=f"c{i}@bench.test")
                for i in range(count // 10)
            ]  # fmt: skip
        )
        categories = TicketCategory.objects.bulk_create(
            [
                TicketCategory(shop=shop, code=code, position=index)
                for index, (code, _label) in enumerate(DEFAULT_CATEGORIES)
            ]
        )
    for start in range(0, count, BATCH):
        with shop_scope(shop.pk):
            Ticket.objects.bulk_create(
                [
                    _ticket(shop.pk, number + 1, rng.choice(customers).pk, rng.choice(categories).pk, agents, rng)
                    for number in range(start, min(start + BATCH, count))
                ]  # fmt: skip
            )
    tables_vacuum(["tickets_ticket", "customers_customer", "tickets_slanotice"])
    return agents


# --- the queue ----------------------------------------------------------------------------


def _views(agent_id: int) -> dict[str, tuple[str, str, list]]:
    """view -> (API query, SQL condition, its parameters)."""
    active = "status IN ('new', 'open', 'waiting')"
    soon = NOW + timedelta(minutes=30)
    return {
        "team": ("view=team", active, []),
        "unassigned": ("view=unassigned", f"{active} AND assignee_id IS NULL", []),
        "agent": (f"view=team&assignee={agent_id}", f"{active} AND assignee_id = %s", [agent_id]),
        "breached": ("view=breached", "due_at <= %s", [NOW]),
        "breaching_soon": ("view=breaching_soon", "due_at > %s AND due_at <= %s", [NOW, soon]),
        "severity_1": ("view=team&severity=1", f"{active} AND severity = 1", []),
    }


def _api_key(shop) -> str:
    from crm.shops.services import api_key_create
    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk):
        _, raw_key = api_key_create(shop=shop, name=f"bench-{time.time_ns()}")
    return raw_key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _api_timings(port: int, key: str, views: dict, samples: int) -> dict[str, list[float]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    timings: dict[str, list[float]] = {}
    for round_index in range(samples + 5):
        for name, (query, _sql, _params) in views.items():
            start = time.perf_counter()
            connection.request(
                "GET", f"/api/v1/tickets/?{query}&page_size={PAGE}", headers={"Authorization": f"Bearer {key}"}
            )
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{query}: {response.status} {body[:200]!r}")
            if round_index >= 5:  # the first rounds warm every worker
                timings.setdefault(name, []).append((time.perf_counter() - start) * 1000)
    connection.close()
    return timings


def _floor_timings(shop, views: dict, samples: int) -> dict[str, list[float]]:
    from django.db import connection

    from crm.tenancy.context import shop_scope

    timings: dict[str, list[float]] = {}
    with shop_scope(shop.pk), connection.cursor() as cursor:
        for _ in range(samples):
            for name, (_query, condition, params) in views.items():
                sql = (
                    "SELECT id, number, subject, status, severity, assignee_id, customer_id, category_id, due_at "
                    f"FROM tickets_ticket WHERE shop_id = %s AND {condition} ORDER BY due_at, id LIMIT {PAGE + 1}"
                )
                start = time.perf_counter()
                cursor.execute(sql, [shop.pk, *params])
                cursor.fetchall()
                timings.setdefault(name, []).append((time.perf_counter() - start) * 1000)
    return timings


def _queue(shop, agents: list[int], samples: int) -> dict:
    views = _views(agents[0])
    port = _free_port()
    with gunicorn_server(port=port, workers=2, threads=2):
        api = _api_timings(port, _api_key(shop), views, samples)
    floor = _floor_timings(shop, views, samples)
    result = {}
    for name in views:
        app, bare = summary(api[name]), summary(floor[name])
        result[name] = {"api": app, "floor": bare, "ratio_p50": round(app["p50"] / max(bare["p50"], 0.01), 1),
                        "ratio_p95": round(app["p95"] / max(bare["p95"], 0.01), 1)}  # fmt: skip
    return result


# --- the SLA scan -------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _scan_once(shop, *, settle: bool) -> tuple[float, int]:
    """One scan in a transaction that is rolled back; with `settle`, after a first scan in the
    same transaction, so the timed one finds every notice written."""
    from crm.tenancy.context import shop_scope
    from tickets.services.breaches import sla_notices_create

    try:
        with shop_scope(shop.pk):
            if settle:
                sla_notices_create(shop=shop, now=NOW)
            start = time.perf_counter()
            written = len(sla_notices_create(shop=shop, now=NOW))
            elapsed = (time.perf_counter() - start) * 1000
            raise _Rollback
    except _Rollback:
        return elapsed, written


def _scan_floor(shop) -> tuple[float, int]:
    from django.db import connection

    from crm.tenancy.context import shop_scope

    horizon = NOW + timedelta(minutes=120)  # the longest default warning window
    with shop_scope(shop.pk), connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(
            "SELECT id, severity, assignee_id, first_replied_at, first_reply_due_at, next_reply_due_at, "
            "resolution_due_at FROM tickets_ticket WHERE shop_id = %s AND status IN ('new', 'open') AND due_at <= %s",
            [shop.pk, horizon],
        )
        rows = len(cursor.fetchall())
        return (time.perf_counter() - start) * 1000, rows


def _scan(shop) -> dict:
    first = [_scan_once(shop, settle=False) for _ in range(SCAN_SAMPLES)]
    steady = [_scan_once(shop, settle=True) for _ in range(SCAN_SAMPLES)]
    floor = [_scan_floor(shop) for _ in range(SCAN_SAMPLES)]
    first_ms, steady_ms, floor_ms = (float(np.median([ms for ms, _n in runs])) for runs in (first, steady, floor))
    return {
        "notices_written": first[0][1],
        "tickets_due_in_window": floor[0][1],
        "first_scan_ms": round(first_ms, 1),
        "steady_scan_ms": round(steady_ms, 1),
        "floor_ms": round(floor_ms, 1),
        "first_ratio": round(first_ms / floor_ms, 1),
        "steady_ratio": round(steady_ms / floor_ms, 1),
    }


def run(size: str) -> dict:
    count, timings = SIZES[size], {}
    load_before = os.getloadavg()
    with timed("load", timings):
        shop = bench_shop(SLUGS[size])
        agents = _load(shop, count)
    with timed("queue", timings):
        queue = _queue(shop, agents, SAMPLES[size])
    with timed("scan", timings):
        scan = _scan(shop)
    customers_ratio = (
        json.loads(CUSTOMER_LIST_RESULTS.read_text())["ratio_to_floor"] if CUSTOMER_LIST_RESULTS.exists() else None
    )
    worst_queue = max(view["ratio_p95"] for view in queue.values())
    queue_p95 = ", ".join(f"{name} {view['api']['p95']} ms" for name, view in queue.items())
    floor_p95 = max(view["floor"]["p95"] for view in queue.values())
    queue_goal = round(2 * customers_ratio, 1) if customers_ratio else None
    return {
        "workload": "tickets",
        "size": size,
        "tickets": count,
        "agents": AGENTS,
        "cpus": os.cpu_count(),
        "queue": queue,
        "scan": scan,
        "summary": (
            f"{count:,} tickets: queue first page p95 {queue_p95}; SLA scan {scan['steady_scan_ms']} ms steady, "
            f"{scan['first_scan_ms']} ms writing {scan['notices_written']:,} notices"
        ),
        "floor": f"keyset SQL of the same page p95 <= {floor_p95} ms; SQL scan of the due times {scan['floor_ms']} ms",
        "ratio_to_floor": (
            f"queue p95 worst {worst_queue}x; scan {scan['steady_ratio']}x (first {scan['first_ratio']}x)"
        ),
        "goal": f"queue ratio <= 2x the customers list's ({customers_ratio}): <= {queue_goal}; scan <= 2x",
        "goal_met": bool(queue_goal and worst_queue <= queue_goal and scan["steady_ratio"] <= 2),
        "timings_s": timings,
        "load_average_1m": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
