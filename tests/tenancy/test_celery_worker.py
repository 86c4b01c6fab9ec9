"""Celery tasks run under the shop scope, and a real worker process executes them."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from crm.models import IdempotencyRecord
from crm.tasks import idempotency_records_purge_dispatch_task, idempotency_records_purge_task
from crm.tenancy.context import ShopScopeError, shop_scope
from tests.conftest import make_shop

ROOT = Path(__file__).resolve().parents[2]


def _record(shop, key: str, age: timedelta) -> None:
    with shop_scope(shop.pk):
        record = IdempotencyRecord.objects.create(
            shop=shop, key=key, request_fingerprint="f", response_status=201, response_body={}
        )
        IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)


def _keys(shop) -> set[str]:
    with shop_scope(shop.pk):
        return set(IdempotencyRecord.objects.values_list("key", flat=True))


def test_task_refuses_to_run_without_a_shop_id():
    for bad in (None, "1", 1.0):
        with pytest.raises(ShopScopeError):
            idempotency_records_purge_task(bad)


def test_purge_task_for_shop_a_leaves_shop_b_untouched(shop, other_shop):
    _record(shop, "old-a", timedelta(days=2))
    _record(shop, "new-a", timedelta(minutes=5))
    _record(other_shop, "old-b", timedelta(days=2))
    assert idempotency_records_purge_task(shop.pk) == 1
    assert _keys(shop) == {"new-a"}
    assert _keys(other_shop) == {"old-b"}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_beat_dispatcher_fan_out():
    shop_a, shop_b = make_shop("worker-a", "a@worker.example"), make_shop("worker-b", "b@worker.example")
    _record(shop_a, "old-a", timedelta(days=2))
    _record(shop_b, "old-b", timedelta(days=2))
    _record(shop_b, "new-b", timedelta(minutes=1))
    queue = f"test-{os.getpid()}"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test", "CELERY_TASK_DEFAULT_QUEUE": queue}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        idempotency_records_purge_dispatch_task.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (_keys(shop_a) or _keys(shop_b) != {"new-b"}):
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert _keys(shop_a) == set()
    assert _keys(shop_b) == {"new-b"}
