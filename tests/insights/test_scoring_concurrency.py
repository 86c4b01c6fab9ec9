"""Committed-data tests: concurrent run requests and claims with real threads, a large shop's
summary split across connections, and a full run through a real Celery worker process."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psycopg2
import pytest
from django.db import connection

from crm.platform.jobs import jobs_sweep
from crm.tenancy.context import shop_scope
from insights.models import CustomerScore, RunStatus, ScoringRun
from insights.selectors import current_run_get
from insights.services import RunAlreadyActive, scoring_run_process, scoring_run_request, summary
from insights.tasks import scoring_run_task
from tests.concurrency import run_in_threads
from tests.conftest import make_shop, signed_setting_sql
from tests.insights.conftest import AS_OF, shop_with_history

ROOT = Path(__file__).resolve().parents[2]


def in_threads(count: int, work) -> list:
    """Run work() in `count` threads released together; returns each result or the
    RunAlreadyActive it raised."""

    def target(index: int):
        try:
            return work()
        except RunAlreadyActive as error:
            return error

    return run_in_threads(target, count)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_queue_exactly_one_run():
    shop = make_shop("race-insights", "race@insights.example")

    def request():
        with shop_scope(shop.pk):
            return scoring_run_request(shop=shop, as_of=AS_OF, enqueue=False)

    for _round in range(3):
        results = in_threads(4, request)
        runs = [result for result in results if isinstance(result, ScoringRun)]
        refused = [result for result in results if isinstance(result, RunAlreadyActive)]
        assert (len(runs), len(refused)) == (1, 3), results
        assert all(error.run.pk == runs[0].pk for error in refused)
        with shop_scope(shop.pk):
            ScoringRun.objects.filter(pk=runs[0].pk).update(status=RunStatus.FAILED)


def _backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_large_shop_summary_split_across_connections_equals_the_single_statement(monkeypatch):
    shop, other = make_shop("split-insights", "split@insights.example"), make_shop("split-other", "so@insights.example")
    with shop_scope(other.pk):
        other_ids = {customer.pk for customer in shop_with_history(other, customers=30, seed=5)}
    with shop_scope(shop.pk):
        shop_with_history(shop, customers=60, seed=6)
        whole = summary.customer_summary_fetch(shop=shop, as_of=AS_OF)
    monkeypatch.setattr(summary, "SPLIT_MIN_CUSTOMERS", 60)
    backends = _backends()
    with shop_scope(shop.pk):
        (_, middle), (later_from, _) = summary._customer_halves(shop)
        split = summary.customer_summary_fetch(shop=shop, as_of=AS_OF)
    # the halves hold 30 customers each; they come back in customer order, identical to one statement
    assert middle == later_from and sum(whole.customer_id < middle) == 30 == sum(whole.customer_id >= middle)
    pd.testing.assert_frame_equal(split, whole)
    assert not set(split.customer_id) & other_ids
    assert _backends() == backends, "the part's own connection is closed"
    monkeypatch.setattr(summary, "SPLIT_MIN_CUSTOMERS", 61)
    with shop_scope(shop.pk):
        assert summary._customer_halves(shop) is None


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_the_same_run_process_it_once():
    shop = make_shop("claim-insights", "claim@insights.example")
    with shop_scope(shop.pk):
        shop_with_history(shop, customers=60)
        run = scoring_run_request(shop=shop, as_of=AS_OF, enqueue=False)

    def process():
        with shop_scope(shop.pk):
            return scoring_run_process(shop=shop, run_id=run.pk)

    results = in_threads(2, process)
    assert sorted(result is None for result in results) == [False, True]
    with shop_scope(shop.pk):
        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED
        assert CustomerScore.objects.filter(run=run).count() == 60


def _worker(queue: str) -> subprocess.Popen:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test", "CELERY_TASK_DEFAULT_QUEUE": queue}
    command = [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool", "solo", "-Q", queue]
    command += ["--loglevel", "WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"]
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_scoring_task_and_the_snapshot_becomes_current():
    shop, other = make_shop("worker-insights", "w@insights.example"), make_shop("worker-other", "o@insights.example")
    with shop_scope(shop.pk):
        shop_with_history(shop, customers=120)
        run = scoring_run_request(shop=shop, as_of=AS_OF, enqueue=False)
    queue = f"test-insights-{os.getpid()}"
    worker = _worker(queue)
    try:
        # Routed by name to the scoring queue in production; here to this test's own queue.
        scoring_run_task.apply_async((shop.pk, run.pk), queue=queue)
        scoring_run_task.apply_async((shop.pk, run.pk), queue=queue)  # a duplicate delivery does nothing
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert worker.poll() is None, worker.stdout.read().decode()
            with shop_scope(shop.pk):
                run.refresh_from_db()
            if not run.is_active:
                break
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert run.status == RunStatus.SUCCEEDED, run.error
    with shop_scope(shop.pk):
        assert current_run_get(shop=shop) == run
        assert CustomerScore.objects.filter(run=run).count() == 120
        assert ScoringRun.objects.count() == 1
    with shop_scope(other.pk):
        assert not ScoringRun.objects.exists() and not CustomerScore.objects.exists()


def _lock_scoring_state(shop) -> "psycopg2.extensions.connection":
    """Another session holding the shop's ShopScoringState row: a run that reaches "make
    current" waits there, after writing all its scores and before committing them."""
    settings = connection.settings_dict
    holder = psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"],
        host=settings["HOST"] or None, port=settings["PORT"] or None,
    )  # fmt: skip
    with holder.cursor() as cursor:
        cursor.execute(*signed_setting_sql("app.shop_id", str(shop.pk)))
        cursor.execute("SELECT id FROM insights_shopscoringstate WHERE shop_id = %s FOR UPDATE", [shop.pk])
        assert cursor.fetchone() is not None
    return holder


def _run_waits_on_the_state_lock() -> bool:
    with connection.cursor() as cursor:
        if connection.is_citus:  # the wait happens on the worker node that holds the shard
            cursor.execute(
                "SELECT count(*) FROM citus_lock_waits WHERE blocked_statement LIKE '%%insights_shopscoringstate%%'"
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE '%%insights_shopscoringstate%%' AND pid <> pg_backend_pid() "
                "AND datname = current_database()"  # not another suite's run on the same server
            )
        return cursor.fetchone()[0] > 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_leaves_the_previous_snapshot_current():
    shop = make_shop("killed-insights", "k@insights.example")
    with shop_scope(shop.pk):
        shop_with_history(shop, customers=80)
        first = scoring_run_process(shop=shop, run_id=scoring_run_request(shop=shop, as_of=AS_OF, enqueue=False).pk)
    with shop_scope(shop.pk):
        second = scoring_run_request(shop=shop, as_of=AS_OF, enqueue=False)
    holder = _lock_scoring_state(shop)
    queue = f"test-insights-kill-{os.getpid()}"
    worker = _worker(queue)
    try:
        scoring_run_task.apply_async((shop.pk, second.pk), queue=queue)
        deadline = time.monotonic() + 120
        while not _run_waits_on_the_state_lock():
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.2)
        worker.kill()  # SIGKILL: no cleanup, as when a machine dies or the OOM killer strikes
        worker.wait(timeout=30)
    finally:
        holder.rollback()
        holder.close()
        if worker.poll() is None:
            worker.kill()
    with shop_scope(shop.pk):
        second.refresh_from_db()
        assert (second.status, second.attempts) == (RunStatus.RUNNING, 1)  # claimed, and its claim committed
        assert not CustomerScore.objects.filter(run=second).exists()
        # No worker holds it any more: the sweeper queues it again once it is due.
        assert jobs_sweep(now=second.due_at) == 1
        second.refresh_from_db()
        assert (second.status, second.error) == (RunStatus.QUEUED, "Attempt 1 stopped before finishing.")
        assert current_run_get(shop=shop) == first
        assert CustomerScore.objects.filter(run=first).count() == 80
