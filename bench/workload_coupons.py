"""Benchmark: coupon issuance and redemption (issue 20).

- Issuance: a shop of 1,000,000 customers ("full"; "small" has 20,000), one campaign whose
  audience is all of them (spend >= 0, 10% held out, unique codes, no message), launched and
  issued by the real job (`coupon_issue_run`: audience query, batches of 50,000, progress in
  Redis, one INSERT ... SELECT ... ON CONFLICT per batch). Floor, in the same run on the same
  rows: one `INSERT ... SELECT` of the same coupon rows (codes drawn the same way) for
  another campaign, deleted again (and the table vacuumed) before the measured run.
- Redemption: gunicorn on 127.0.0.1 (2 workers × 4 threads) and 32 client threads in a
  separate process, each with its own keep-alive connection, each redeeming its own
  distinct codes (`POST /api/v1/coupons/redeem`, customer by phone); then the same clients
  `GET /api/v1/customers/<id>/` of one customer for the same number of requests. Requests/s
  and p50/p99 of both, and the ratios redeem/GET.

Writes bench/results/coupons.json. `python -m bench.run coupons` (BENCH_SIZE=small|full).
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from bench.common import bench_shop, gunicorn_server, machine, peak_rss_mb, tables_vacuum, timed

SIZES = {"small": 20_000, "full": 1_000_000}
SLUG = "bench-coupons"
CLIENTS = 32
REQUESTS_PER_CLIENT = {"small": 40, "full": 150}
GOALS = {"issue_over_floor": 2.0, "redeem_p99_over_get_p99": 1.5}
ROOT = Path(__file__).resolve().parent.parent


def _customers_load(shop, count: int) -> None:
    """`count` customers with spend and a phone each, in one INSERT ... SELECT."""
    from django.db import connection

    from crm.platform.postgresql.citus import staged_insert
    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute(
            staged_insert(
                "INSERT INTO customers_customer (shop_id, name, phone, email, gender, province, city, district, "
                "source_channel, attributes, is_automated_targeting_refused, is_region_edited, created_at, "
                "updated_at, orders_count, total_spent, refunds_count, refunded_amount) "
                "SELECT %s, '客户' || n, '+86137' || lpad(n::text, 8, '0'), NULL, 'unknown', '浙江省', '杭州市', '', "
                "'web', '{}'::jsonb, false, false, now(), now(), 1 + n %% 7, (n %% 5000)::numeric + 0.5, 0, 0 "
                "FROM generate_series(1, %s) AS n",
                connection,
            ),
            [shop.pk, count],
        )
    tables_vacuum(["customers_customer"], analyze_only=True)


def _campaign(shop, name: str):
    from campaigns.services.coupons import campaign_create
    from crm.tenancy.context import shop_scope

    data = {"name": name, "discount": {"type": "fixed", "amount": "10.00"}, "audience": {"total_spent_min": "0"},
            "holdout_percent": 10}  # fmt: skip
    with shop_scope(shop.pk):
        return campaign_create(shop=shop, data=data)


def _floor(shop, campaign) -> float:
    """The same coupon rows in one INSERT ... SELECT, then removed again."""
    from django.db import connection

    from campaigns.services.coupons import CODE_SQL
    from crm.platform.postgresql.citus import staged_insert
    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            staged_insert(
                "INSERT INTO campaigns_coupon (shop_id, campaign_id, customer_id, code, is_holdout, source, reason, "
                f"used_count, issued_at) SELECT shop_id, %s, id, {CODE_SQL}, false, 'audience', '', 0, now() "  # noqa: S608
                "FROM customers_customer WHERE shop_id = %s AND total_spent >= 0 AND merged_into_id IS NULL "
                "AND erased_at IS NULL AND NOT is_automated_targeting_refused",
                connection,
            ),
            [campaign.pk, shop.pk],
        )
    seconds = time.perf_counter() - started
    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaigns_coupon WHERE shop_id = %s AND campaign_id = %s", [shop.pk, campaign.pk])
    tables_vacuum(["campaigns_coupon"])
    return seconds


def _issue(shop, campaign) -> float:
    from campaigns.models import CouponIssueJob
    from campaigns.services.coupons import campaign_launch, coupon_issue_run
    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk):
        campaign_launch(shop=shop, campaign_id=campaign.pk)
        job_id = CouponIssueJob.objects.get(campaign=campaign).pk
    started = time.perf_counter()
    job = coupon_issue_run(shop_id=shop.pk, job_id=job_id)
    seconds = time.perf_counter() - started
    assert job is not None and job.status == "succeeded", job
    return seconds


def _work(shop, campaign, requests: int) -> dict:
    """Per client: its codes with their customers' phones, and the one customer all GET."""
    from campaigns.models import Coupon
    from crm.shops.services import api_key_create
    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk):
        rows = list(
            Coupon.objects.filter(campaign=campaign, is_holdout=False)
            .order_by("pk")
            .values_list("code", "customer__phone", "customer_id")[: CLIENTS * requests]
        )
        _, key = api_key_create(shop=shop, name=f"bench-{time.time_ns()}")
    plan = [[(code, phone) for code, phone, _ in rows[index::CLIENTS]] for index in range(CLIENTS)]
    return {"key": key, "plan": plan, "customer_id": rows[0][2]}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _clients_run(port: int, work: dict, mode: str) -> dict:
    """The load generator in its own process (its own GIL): `python -m bench.workload_coupons clients`."""
    spec = json.dumps({"port": port, "mode": mode, **work})
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-m", "bench.workload_coupons", "clients"], input=spec, capture_output=True, text=True,
        cwd=ROOT, check=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.dev"},
    )  # fmt: skip
    return json.loads(result.stdout)


def _client(port: int, key: str, requests: list[tuple[str, bytes | None]], latencies: list, errors: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    for path, body in requests:
        started = time.perf_counter()
        connection.request("POST" if body else "GET", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status not in (200, 201):
            errors.append(response.status)
    connection.close()


def _clients_main() -> None:
    spec = json.loads(sys.stdin.read())
    per_client = []
    for codes in spec["plan"]:
        if spec["mode"] == "redeem":
            per_client.append([
                ("/api/v1/coupons/redeem", json.dumps({
                    "code": code, "customer": {"phone": phone}, "order_total": "199.00", "currency": "CNY",
                    "order_external_id": f"BENCH-{code}"}).encode())
                for code, phone in codes
            ])  # fmt: skip
        else:
            per_client.append([(f"/api/v1/customers/{spec['customer_id']}/", None)] * len(codes))
    latencies, errors = [], []
    threads = [
        threading.Thread(target=_client, args=(spec["port"], spec["key"], requests, latencies, errors))
        for requests in per_client
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    milliseconds = np.array(latencies) * 1000
    print(json.dumps({
        "requests": len(latencies), "errors": len(errors), "error_statuses": sorted(set(errors)),
        "seconds": round(elapsed, 2), "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(milliseconds, 50)), 1),
        "p99_ms": round(float(np.percentile(milliseconds, 99)), 1),
    }))  # fmt: skip


def run(size: str) -> dict:
    from django.db import connection

    count, timings = SIZES[size], {}
    shop = bench_shop(SLUG)
    with timed("load_customers", timings):
        _customers_load(shop, count)
    floor_seconds = _floor(shop, _campaign(shop, "floor"))
    campaign = _campaign(shop, "bench")
    issue_seconds = _issue(shop, campaign)
    connection.close()
    work = _work(shop, campaign, REQUESTS_PER_CLIENT[size])
    with gunicorn_server(port=(port := _free_port()), workers=2, threads=4):
        _clients_run(port, {**work, "plan": [codes[:5] for codes in work["plan"]]}, "get")  # warm-up
        get = _clients_run(port, work, "get")
        redeem = _clients_run(port, work, "redeem")
    issue_ratio = round(issue_seconds / floor_seconds, 2)
    p99_ratio = round(redeem["p99_ms"] / get["p99_ms"], 2)
    return {
        "summary": f"issue {count:,} coupons in {issue_seconds:.1f}s; redeem {redeem['requests_per_second']} req/s, "
        f"p99 {redeem['p99_ms']} ms (GET {get['requests_per_second']} req/s, p99 {get['p99_ms']} ms)",
        "floor": f"INSERT ... SELECT {floor_seconds:.1f}s; GET one customer p99 {get['p99_ms']} ms",
        "ratio_to_floor": f"issue {issue_ratio}×; redeem p99 {p99_ratio}×",
        "goal": "issue ≤ 2×; redeem p99 ≤ 1.5× GET",
        "goal_met": issue_ratio <= GOALS["issue_over_floor"] and p99_ratio <= GOALS["redeem_p99_over_get_p99"],
        "customers": count,
        "issue_seconds": round(issue_seconds, 2),
        "floor_seconds": round(floor_seconds, 2),
        "issue_over_floor": issue_ratio,
        "redeem": redeem,
        "get_customer": get,
        "redeem_p99_over_get_p99": p99_ratio,
        "get_rps_over_redeem_rps": round(get["requests_per_second"] / redeem["requests_per_second"], 2),
        "timings": timings,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "machine": machine(),
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["clients"]:
        _clients_main()
    else:
        from bench.common import django_setup

        django_setup()
        print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "small"), indent=2, default=str))
