"""(d) Scoring runs: RFM + segments + BG/NBD/Gamma-Gamma CLV + lifecycle + write-back.

Two cases (full size): one shop with 1,000,000 customers and 10,000,000 orders, and 100
shops with 10,000 customers and 100,000 orders each. Each scoring run executes the same
service a Celery worker runs (insights.services.scoring_run_process), in a fresh child
process so its peak memory is its own. The floor, measured in the same run on the same
orders just before: one SQL aggregate `GROUP BY customer_id` (orders, spend, last order),
streamed to the client with COPY like the run's own summary.

The 100 shops run on as many child processes as the machine has CPUs, like that many
scoring workers, and the wall time covers all of them. Shops are generated once with COPY
(bench/scoring_data.py) and reused while their row counts match; their scoring rows are
cleared before each measurement.
"""

import io
import json
import os
import subprocess
import sys
import time

from django.db import connection

from bench.common import bench_shop, machine, peak_rss_mb, tables_vacuum
from bench.scoring_data import shop_load

SIZES = {
    "small": {"big": (20_000, 200_000), "big_slug": "bench-scoring-20k", "shops": 8, "shop": (2_000, 20_000)},
    "full": {"big": (1_000_000, 10_000_000), "big_slug": "bench-scoring-1m", "shops": 100, "shop": (10_000, 100_000)},
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
    return shop


def floor_seconds(shop) -> float:
    """The single GROUP BY customer aggregate over the shop's orders, streamed like the run's summary."""
    from crm.tenancy.context import shop_scope

    started = time.perf_counter()
    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.copy_expert(FLOOR_SQL.format(shop_id=int(shop.pk)), io.BytesIO())
    return time.perf_counter() - started


def _children(slug_groups: list[list[str]]) -> list[dict]:
    """One child process per group, all at once; each scores its shops one after another."""
    command = [sys.executable, "-m", "bench.workload_scoring"]
    # As the Procfile's worker: one BLAS thread per process. Threaded BLAS spinning next to
    # PostgreSQL on a small box made each optimizer step cost milliseconds.
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
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


def _big_shop_case(sizes: dict) -> dict:
    customers, orders = sizes["big"]
    shop = loaded_shop(sizes["big_slug"], customers, orders, seed=11)
    tables_vacuum(list(INSIGHTS_TABLES))
    floor_seconds(shop)  # warm the cache once, so floor and run read the same hot pages
    floor = floor_seconds(shop)
    child = _children([[shop.slug]])[0]
    run = child["runs"][0]
    timings = run["timings"]
    rfm = timings["summary"] + timings["rfm"]
    return {
        "customers": customers,
        "orders": orders,
        "floor_seconds": round(floor, 3),
        "run_seconds": round(run["seconds"], 3),
        "run_ratio": round(run["seconds"] / floor, 2),
        "rfm_seconds": round(rfm, 3),
        "rfm_ratio": round(rfm / floor, 2),
        "fit_seconds": timings["fit"],
        "clv_seconds": timings["value"],
        "timings": timings,
        "peak_rss_mb": child["peak_rss_mb"],
        "baseline_rss_mb": child["baseline_rss_mb"],
        "customers_scored": run["customers_scored"],
        "bgnbd": run["bgnbd"],
        "gamma_gamma": run["gamma_gamma"],
        "fit_quality": run["fit_quality"],
    }


def _many_shops_case(sizes: dict, size: str) -> dict:
    customers, orders = sizes["shop"]
    shops = [
        loaded_shop(f"bench-scoring-{size}-s{index:03d}", customers, orders, seed=100 + index)
        for index in range(sizes["shops"])
    ]
    tables_vacuum(list(INSIGHTS_TABLES))
    floors = [floor_seconds(shop) for shop in shops]
    workers = os.cpu_count() or 1
    groups = [[shop.slug for shop in shops[index::workers]] for index in range(workers)]
    started = time.perf_counter()
    children = _children(groups)
    wall = time.perf_counter() - started
    runs = [run for child in children for run in child["runs"]]
    return {
        "shops": len(shops),
        "customers_per_shop": customers,
        "orders_per_shop": orders,
        "workers": workers,
        "wall_seconds": round(wall, 2),
        "floor_seconds_total": round(sum(floors), 3),
        "run_seconds_total": round(sum(run["seconds"] for run in runs), 2),
        "ratio_total": round(sum(run["seconds"] for run in runs) / sum(floors), 2),
        "peak_rss_mb": max(child["peak_rss_mb"] for child in children),
        "all_succeeded": all(run["status"] == "succeeded" for run in runs),
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
            f"(RFM {big['rfm_ratio']}x floor, fit {big['fit_seconds']:.2f}s, CLV {big['clv_seconds']:.2f}s); "
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
