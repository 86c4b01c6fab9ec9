"""(b) CSV import of order rows: rows/s and peak memory, at two file sizes.

Each file (one row per order line, ~2.5 lines per order, ~4 orders per customer, rows
of one order deliberately not contiguous) is imported by a fresh child process running
the same code as `manage.py import_orders`, twice: the first import, then the same file
again (the no-op re-import). Peak RSS above the child's baseline after Django start-up
shows whether memory stays flat as the file grows (250k vs 1M rows). The floor: the same
rows COPYed into the same tables (bench/datagen.copy_load), measured in the same run.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import bench_shop, bench_shop_empty, copy_floor_seconds, machine, peak_rss_mb, tables_vacuum
from bench.datagen import csv_write
from orders.synthetic import dataset_generate

SIZES = {"small": (2_000, 8_000), "full": (250_000, 1_000_000)}
SHOP = "bench-orders-csv"
TABLES = ["customers_customer", "customers_customerchannelid", "orders_order", "orders_orderline",
          "orders_orderstatuschange"]  # fmt: skip
TMP = Path(os.environ.get("BENCH_TMP", Path(__file__).resolve().parent.parent / ".data" / "bench"))


def _dataset(rows: int):
    orders = rows * 2 // 5
    return dataset_generate(customers=max(orders // 4, 1), orders=orders, lines=(1, 4), seed=23)


def _child_import(path: Path) -> dict:
    completed = subprocess.run(  # noqa: S603 (our own module, fixed arguments)
        [sys.executable, "-m", "bench.workload_orders_csv", str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run(size: str) -> dict:
    shop = bench_shop(SHOP)
    info = machine()
    TMP.mkdir(parents=True, exist_ok=True)
    runs = []
    for target_rows in SIZES[size]:
        data = _dataset(target_rows)
        path = TMP / f"orders-{target_rows}.csv"
        rows = csv_write(data, path)
        bench_shop_empty(shop)
        tables_vacuum(TABLES)
        measured = _child_import(path)
        bench_shop_empty(shop)
        tables_vacuum(TABLES)
        floor_seconds = copy_floor_seconds(shop, data)
        bench_shop_empty(shop)
        path.unlink()
        runs.append({"rows": rows, "orders": data.orders, "floor_seconds": round(floor_seconds, 2), **measured,
                     "floor_rows_per_second": round(rows / floor_seconds)})  # fmt: skip
        print(f"  {rows} rows: {measured}", file=sys.stderr, flush=True)
    small, large = runs
    growth = large["peak_rss_above_baseline_mb"] - small["peak_rss_above_baseline_mb"]
    ratio = large["import_seconds"] / large["floor_seconds"]
    return {
        "summary": f"{large['rows_per_second']:,} rows/s importing {large['rows']:,} rows "
        f"(re-import no-op {large['reimport_rows_per_second']:,} rows/s); memory above start-up "
        f"+{large['peak_rss_above_baseline_mb']} MB (vs +{small['peak_rss_above_baseline_mb']} MB at "
        f"{small['rows']:,} rows)",
        "floor": f"{large['floor_rows_per_second']:,} rows/s (COPY, same rows, same tables)",
        "ratio_to_floor": round(ratio, 2),
        "goal": "streaming: memory flat as the file grows",
        "goal_met": growth < 50,
        "peak_rss_mb": large["peak_rss_mb"],
        "memory_growth_mb": round(growth, 1),
        "runs": runs,
        "parent_peak_rss_mb": round(peak_rss_mb(), 1),
        "machine": info,
    }


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _own_peak_rss_mb() -> float:
    """This process's peak RSS since its exec (VmHWM). Not getrusage's ru_maxrss: Linux
    carries the parent's high-water mark over fork + exec into the child's, and the parent
    holds the whole generated data set (it made a 1,000,000-row child look 160 MB bigger)."""
    with open("/proc/self/status") as handle:
        line = next(line for line in handle if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _import_in_child(path: Path) -> dict:
    from bench.common import django_setup

    django_setup()
    from crm.models import Shop
    from crm.tenancy.context import shop_scope
    from orders.services.imports import orders_import_file

    shop = Shop.objects.get(slug=SHOP)
    baseline = _current_rss_mb()
    timings = {}
    results = []
    for label in ("import_seconds", "reimport_seconds"):
        started = time.perf_counter()
        with shop_scope(shop.pk):
            result = orders_import_file(shop=shop, path=path)
        timings[label] = round(time.perf_counter() - started, 2)
        results.append({name: getattr(result, name) for name in ("total_rows", "orders_created", "orders_updated",
                                                                 "orders_unchanged", "orders_rejected")})  # fmt: skip
    rows = results[0]["total_rows"]
    return {
        **timings,
        "rows_per_second": round(rows / timings["import_seconds"]),
        "reimport_rows_per_second": round(rows / timings["reimport_seconds"]),
        "baseline_rss_mb": round(baseline, 1),
        "peak_rss_mb": round(_own_peak_rss_mb(), 1),
        "peak_rss_above_baseline_mb": round(_own_peak_rss_mb() - baseline, 1),
        "first": results[0],
        "again": results[1],
    }


if __name__ == "__main__":
    print(json.dumps(_import_in_child(Path(sys.argv[1]))))
