"""(d) Scoring runs: RFM + segments + BG/NBD/Gamma-Gamma CLV + lifecycle + write-back.

Two cases (full size): one shop with 1,000,000 customers and 10,000,000 orders, and 100
shops with 10,000 customers and 100,000 orders each. Each scoring run executes the same
service a Celery worker runs (insights.services.scoring_run_process), in a fresh child
process so its peak memory is its own. The floor, measured in the same run on the same
orders just before each run: one SQL aggregate `GROUP BY customer_id` (orders, spend, last
order), streamed to the client with COPY like the run's own summary. At full size the big
shop's runs alternate five times with floors (each run's floor is the mean of the floors
just before and just after it) and the medians are reported (on a shared two-core box a
single pair can land on a busy moment); every pair is kept in the JSON.

The 100 shops run through a real Celery worker started as the Procfile starts one (prefork
pool with one process per CPU, one BLAS thread each) on a queue of its own: the runs are
queued first, then their tasks are sent at once, and the wall time runs from the first send
until the last run has finished. Its floor is every shop's floor on as many connections at
once as the pool has processes, measured just before; the CPU seconds the pool and its
database backends spent in the run are reported beside it, which tells a run that needs
more CPU than the box has from one that waits. Shops are generated once with COPY
(bench/scoring_data.py) and reused while their row counts match; their scoring rows are
cleared before each measurement.
"""

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from django.db import connection
from django.utils import timezone

from bench.common import bench_shop, machine, peak_rss_mb, tables_vacuum
from bench.scoring_data import shop_load

SIZES = {
    "small": {
        "big": (20_000, 200_000),
        "big_slug": "bench-scoring-20k",
        "pairs": 1,
        "shops": 8,
        "shop": (2_000, 20_000),
    },
    "full": {
        "big": (1_000_000, 10_000_000),
        "big_slug": "bench-scoring-1m",
        "pairs": 5,
        "shops": 100,
        "shop": (10_000, 100_000),
    },
}
AS_OF = "2026-10-31"  # datagen's last order day
INSIGHTS_TABLES = ("insights_customerscore", "insights_shopscoringstate", "insights_scoringrun")
FLOOR_SQL = """
COPY (SELECT customer_id, COUNT(*) AS orders, SUM(total) AS spend, MAX(placed_at) AS last_order
      FROM orders_order WHERE shop_id = {shop_id} GROUP BY customer_id) TO STDOUT WITH (FORMAT csv)
"""
GOALS = {
    "rfm_ratio": 1.5,  # summary SQL + RFM + segments vs floor
    "fit_seconds": 2.0,  # BG/NBD + Gamma-Gamma fit, 1M customers
    "clv_seconds": 3.0,  # per-customer P(alive), expected purchases, CLV (+ lifecycle), 1M customers
    "run_ratio": 3.0,  # the whole run vs floor
    "peak_mb": 1024,
    "many_shops_wall_seconds": 10.0,
}


def _counts(shop) -> tuple[int, int]:
    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT COUNT(*) FROM customers_customer), (SELECT COUNT(*) FROM orders_order)")
        return cursor.fetchone()


def _scoring_rows_clear(shop) -> None:
    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute("UPDATE insights_shopscoringstate SET current_run_id = NULL")
        for table in INSIGHTS_TABLES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names; RLS keeps it to this shop)


def loaded_shop(slug: str, customers: int, orders: int, seed: int):
    """The bench shop with exactly this data set, generated on first use."""
    from crm.models import Shop

    shop = Shop.objects.filter(slug=slug).first()
    if shop is not None and _counts(shop) == (customers, orders):
        _scoring_rows_clear(shop)
        return shop
    shop = bench_shop(slug)
    print(f"  generating {slug}: {customers:,} customers, {orders:,} orders", file=sys.stderr, flush=True)
    shop_load(shop, customers=customers, orders=orders, seed=seed)
    # What autovacuum would do after a bulk insert (it is off on some hosts here): planner
    # statistics that know the new shop (planned on stale ones, the floor walked an index
    # for 35 s instead of 6-7) and a visibility map for index-only scans.
    tables_vacuum(["customers_customer", "orders_order"])
    return shop


def floor_seconds(shop) -> float:
    """The single GROUP BY customer aggregate over the shop's orders, streamed like the run's summary."""
    from crm.tenancy.context import shop_scope

    started = time.perf_counter()
    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.copy_expert(FLOOR_SQL.format(shop_id=int(shop.pk)), io.BytesIO())
    return time.perf_counter() - started


# As the Procfile's worker: one BLAS thread per process. Threaded BLAS spinning next to
# PostgreSQL on a small box made each optimizer step cost milliseconds.
WORKER_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "DJANGO_SETTINGS_MODULE": "crm.settings.dev", "DEBUG": "0"}


def _children(slug_groups: list[list[str]]) -> list[dict]:
    """One child process per group, all at once; each scores its shops one after another."""
    command = [sys.executable, "-m", "bench.workload_scoring"]
    environment = {**os.environ, **WORKER_ENVIRONMENT}
    processes = [
        subprocess.Popen([*command, *slugs], stdout=subprocess.PIPE, text=True, env=environment)  # noqa: S603
        for slugs in slug_groups
    ]
    results = []
    for process in processes:
        output, _ = process.communicate(timeout=3600)
        if process.returncode:
            raise RuntimeError(f"scoring child failed with {process.returncode}")
        results.append(json.loads(output.strip().splitlines()[-1]))
    return results


def floors_parallel_seconds(shops: list, connections: int) -> float:
    """Wall seconds of every shop's floor on `connections` connections at once, as the
    worker pool runs their scoring: the floor of the many-shop wall time."""

    def stream(part: list) -> None:
        try:
            for shop in part:
                floor_seconds(shop)
        finally:
            connection.close()  # this thread's connection

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=connections) as pool:
        list(pool.map(stream, [shops[index::connections] for index in range(connections)]))
    return time.perf_counter() - started


def _pool_processes(worker_pid: int) -> list[Path]:
    """/proc directories of the worker's pool processes."""
    pool = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == worker_pid:
                pool.append(stat.parent)
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while we looked
    return pool


def _pool_usage(worker_pid: int) -> tuple[float, float]:
    """The largest peak resident set (VmHWM, MB) among the worker's pool processes, and
    their CPU seconds (user + system)."""
    peaks, cpu = [0.0], 0.0
    for process in _pool_processes(worker_pid):
        try:
            peaks.append(int((process / "status").read_text().split("VmHWM:")[1].split()[0]) / 1024)
            fields = (process / "stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return round(max(peaks), 1), round(cpu, 2)


def _backends_cpu_seconds(since) -> float | None:
    """CPU seconds of the database backends connected since `since` (the pool's), from
    /proc/PID/schedstat; None where PostgreSQL does not run on this host."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_addr() IS NULL OR inet_server_addr() IN ('127.0.0.1', '::1')")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND backend_start >= %s AND pid <> pg_backend_pid()",
            [since],
        )
        pids = [row[0] for row in cursor.fetchall()]
    try:
        return round(sum(int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) for pid in pids) / 1e9, 2)
    except OSError:
        return None


@contextmanager
def scoring_worker(queue: str, concurrency: int):
    """A real `celery worker` (prefork pool) consuming only `queue`; yields its process once ready."""
    log = Path(tempfile.mkdtemp(prefix="bench-scoring-")) / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "crm", "worker", "-Q", queue, "--concurrency", str(concurrency),
               "--pool", "prefork", "--loglevel", "INFO",
               "--without-heartbeat", "--without-mingle", "--without-gossip"]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603
            command, env={**os.environ, **WORKER_ENVIRONMENT}, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 120
        while not (log.exists() and " ready." in log.read_text()):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not start; see {log}")
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


def _runs_wait(runs: list) -> None:
    """Until every run has finished; tasks are taken in order, so the first unfinished run
    is the one to watch."""
    from crm.tenancy.context import shop_scope
    from insights.models import ACTIVE_RUN_STATUSES, ScoringRun

    pending = list(runs)
    deadline = time.monotonic() + 3600
    while pending and time.monotonic() < deadline:
        run = pending[0]
        with shop_scope(run.shop_id):
            active = ScoringRun.objects.filter(pk=run.pk, status__in=ACTIVE_RUN_STATUSES).exists()
        if active:
            time.sleep(0.05)
        else:
            pending.pop(0)


def _big_shop_pair(shop, floor_before: float) -> dict:
    """One run between two floors on the same hot pages; its floor is their mean, so a host
    that speeds up or slows down during the run weighs on both sides alike."""
    tables_vacuum(list(INSIGHTS_TABLES))
    child = _children([[shop.slug]])[0]
    run = child["runs"][0]
    _scoring_rows_clear(shop)
    floor_after = floor_seconds(shop)
    floor = (floor_before + floor_after) / 2
    rfm = run["timings"]["summary"] + run["timings"]["rfm"]
    return {
        "floor_seconds": round(floor, 3),
        "floors_before_after": [round(floor_before, 3), round(floor_after, 3)],
        "run_seconds": round(run["seconds"], 3),
        "run_ratio": round(run["seconds"] / floor, 2),
        "rfm_seconds": round(rfm, 3),
        "rfm_ratio": round(rfm / floor, 2),
        "timings": run["timings"],
        "peak_rss_mb": child["peak_rss_mb"],
        "run": run,
    }


def _big_shop_case(sizes: dict) -> dict:
    """Floors and runs alternate (floor, run, floor, run, ..., floor) PAIRS times; the ratios
    reported are the pairs' medians (on a shared two-core box one pair can land on a busy
    moment), every pair is kept."""
    customers, orders = sizes["big"]
    shop = loaded_shop(sizes["big_slug"], customers, orders, seed=11)
    floor_seconds(shop)  # warm the cache once, so floor and run read the same hot pages
    pairs, floor_before = [], floor_seconds(shop)
    for _ in range(sizes["pairs"]):
        pairs.append(_big_shop_pair(shop, floor_before))
        floor_before = pairs[-1]["floors_before_after"][1]
    middle = sorted(pairs, key=lambda pair: pair["run_ratio"])[len(pairs) // 2]
    run = middle.pop("run")
    for pair in pairs:
        pair.pop("run", None)
    return {
        "customers": customers,
        "orders": orders,
        **{key: middle[key] for key in ("floor_seconds", "run_seconds", "run_ratio", "rfm_seconds", "timings")},
        "rfm_ratio": sorted(pair["rfm_ratio"] for pair in pairs)[len(pairs) // 2],
        "fit_seconds": max(pair["timings"]["fit"] for pair in pairs),
        "clv_seconds": max(pair["timings"]["value"] for pair in pairs),
        "peak_rss_mb": max(pair["peak_rss_mb"] for pair in pairs),
        "pairs": pairs,
        "customers_scored": run["customers_scored"],
        "bgnbd": run["bgnbd"],
        "gamma_gamma": run["gamma_gamma"],
        "fit_quality": run["fit_quality"],
    }


def _many_shops_case(sizes: dict, size: str) -> dict:
    from crm.tenancy.context import shop_scope
    from insights.models import RunTrigger, ScoringRun
    from insights.services import scoring_run_request
    from insights.tasks import scoring_run_task

    customers, orders = sizes["shop"]
    shops = [
        loaded_shop(f"bench-scoring-{size}-s{index:03d}", customers, orders, seed=100 + index)
        for index in range(sizes["shops"])
    ]
    tables_vacuum(list(INSIGHTS_TABLES))
    floors = [floor_seconds(shop) for shop in shops]
    workers = os.cpu_count() or 1
    floors_parallel = floors_parallel_seconds(shops, workers)
    queue = f"bench-scoring-{os.getpid()}"
    with scoring_worker(queue, concurrency=workers) as worker:
        runs = []
        for shop in shops:
            with shop_scope(shop.pk):
                runs.append(scoring_run_request(shop=shop, as_of=_as_of(), trigger=RunTrigger.COMMAND, enqueue=False))
        sent_at = timezone.now()  # the server's clock too: backends are read only on this host
        started = time.perf_counter()
        for run in runs:
            scoring_run_task.apply_async((run.shop_id, run.pk), queue=queue)
        _runs_wait(runs)
        wall = time.perf_counter() - started
        peak, pool_cpu = _pool_usage(worker.pid)
        database_cpu = _backends_cpu_seconds(sent_at)
    finished = []
    for run in runs:
        with shop_scope(run.shop_id):
            finished.append(ScoringRun.objects.get(pk=run.pk))
    run_seconds = [(run.finished_at - run.started_at).total_seconds() for run in finished if run.started_at]
    return {
        "shops": len(shops),
        "customers_per_shop": customers,
        "orders_per_shop": orders,
        "workers": f"1 celery worker, prefork pool of {workers}",
        "wall_seconds": round(wall, 2),
        "floor_seconds_total": round(sum(floors), 3),
        "floor_parallel_wall_seconds": round(floors_parallel, 2),
        "wall_ratio_to_parallel_floor": round(wall / floors_parallel, 2),
        # What the box's CPUs spent during the run: the pool's Python and its database
        # backends (None where PostgreSQL runs on another host).
        "cpu_seconds": {"worker_pool": pool_cpu, "postgres_backends": database_cpu},
        "run_seconds_total": round(sum(run_seconds), 2),
        "ratio_total": round(sum(run_seconds) / sum(floors), 2),
        "stage_seconds_total": {
            stage: round(sum(run.timings.get(stage, 0) for run in finished), 2) for stage in finished[0].timings
        },
        "peak_rss_mb": peak,
        "all_succeeded": all(run.status == "succeeded" for run in finished),
    }


def run(size: str) -> dict:
    sizes = SIZES[size]
    big = _big_shop_case(sizes)
    many = _many_shops_case(sizes, size)
    checks = {
        "rfm_ratio": big["rfm_ratio"] <= GOALS["rfm_ratio"],
        "fit_seconds": big["fit_seconds"] < GOALS["fit_seconds"],
        "clv_seconds": big["clv_seconds"] < GOALS["clv_seconds"],
        "run_ratio": big["run_ratio"] <= GOALS["run_ratio"],
        "peak_mb": max(big["peak_rss_mb"], many["peak_rss_mb"]) < GOALS["peak_mb"],
        "many_shops_wall_seconds": many["wall_seconds"] < GOALS["many_shops_wall_seconds"],
    }
    return {
        "summary": (
            f"{big['customers']:,} customers / {big['orders']:,} orders: run {big['run_seconds']:.1f}s "
            f"(median of {len(big['pairs'])} floor/run pairs; RFM {big['rfm_ratio']}x floor, "
            f"fit {big['fit_seconds']:.2f}s, CLV {big['clv_seconds']:.2f}s); "
            f"{many['shops']} shops: {many['wall_seconds']:.1f}s wall"
        ),
        "floor": f"GROUP BY customer {big['floor_seconds']:.2f}s",
        "ratio_to_floor": big["run_ratio"],
        "goal": "RFM<=1.5x, fit<2s, CLV<3s, run<=3x, <1GB, 100 shops<10s",
        "goal_met": all(checks.values()),
        "checks": checks,
        "peak_rss_mb": max(big["peak_rss_mb"], many["peak_rss_mb"]),
        "big_shop": big,
        "many_shops": many,
        "machine": machine(),
    }


def _score_in_child(slugs: list[str]) -> dict:
    """Child process: score each shop like a worker would; report timings and peak memory."""
    from bench.common import django_setup

    django_setup()
    from crm.models import Shop
    from crm.tenancy.context import shop_scope
    from insights.management.commands.score_shop import run_summary
    from insights.models import RunTrigger
    from insights.services import scoring_run_process, scoring_run_request

    baseline, runs = peak_rss_mb(), []
    for slug in slugs:
        shop = Shop.objects.get(slug=slug)
        with shop_scope(shop.pk):
            run = scoring_run_request(shop=shop, as_of=_as_of(), trigger=RunTrigger.COMMAND, enqueue=False)
        started = time.perf_counter()
        with shop_scope(shop.pk):
            run = scoring_run_process(shop=shop, run_id=run.pk)
        runs.append({**run_summary(run), "seconds": time.perf_counter() - started})
    return {"runs": runs, "peak_rss_mb": round(peak_rss_mb(), 1), "baseline_rss_mb": round(baseline, 1)}


def _as_of():
    from datetime import date

    return date.fromisoformat(AS_OF)


if __name__ == "__main__":
    print(json.dumps(_score_in_child(sys.argv[1:]), default=str))
