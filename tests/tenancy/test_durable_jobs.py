"""Durable jobs (crm/platform/jobs.py): a job whose task message is lost or whose worker dies is run
again by the beat sweeper; a job that always dies is given up with its reason."""

import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from crm.celery import Queue, app
from crm.platform.jobs import MAX_ATTEMPTS, jobs_sweep
from crm.tasks import jobs_sweep_task
from crm.tenancy.context import shop_scope
from insights.models import RunStatus, ScoringRun
from insights.selectors import current_run_get
from orders.models import ImportJob, ImportStatus, Order
from orders.services.imports import import_job_create
from orders.tasks import order_import_task
from tests.conftest import make_shop, signed_setting_sql
from tests.insights.conftest import AS_OF, shop_with_history
from tests.orders.csv_files import ROWS, csv_write

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def upload_root(settings, tmp_path):
    settings.IMPORT_UPLOAD_ROOT = tmp_path / "uploads"
    return settings.IMPORT_UPLOAD_ROOT


def _queued_import(shop, tmp_path) -> ImportJob:
    content = csv_write(tmp_path / "orders.csv", ROWS).read_bytes()
    with shop_scope(shop.pk):
        return import_job_create(shop=shop, upload=SimpleUploadedFile("orders.csv", content), default_channel="web",
                                 created_by=None)  # fmt: skip


def _make_due(model, shop, job_id: int) -> None:
    with shop_scope(shop.pk):
        model.objects.filter(pk=job_id).update(due_at=timezone.now() - timedelta(seconds=1))


def _job(model, shop, job_id: int):
    with shop_scope(shop.pk):
        return model.objects.get(pk=job_id)


def test_a_task_that_always_dies_is_given_up_after_its_attempts_with_the_reason_shown(
    staff_client, shop, other_shop, tmp_path, upload_root, monkeypatch, django_capture_on_commit_callbacks
):
    def broken_import(**_kwargs):
        raise RuntimeError("the importer broke")

    monkeypatch.setattr("orders.services.imports.orders_import_file", broken_import)
    with django_capture_on_commit_callbacks():
        job = _queued_import(shop, tmp_path)

    for attempt in range(1, MAX_ATTEMPTS + 1):
        with django_capture_on_commit_callbacks(execute=True):
            order_import_task(shop.pk, job.pk)
        job = _job(ImportJob, shop, job.pk)
        assert job.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert (job.status, job.error) == ("queued", "RuntimeError: the importer broke")
            _make_due(ImportJob, shop, job.pk)
            with shop_scope(shop.pk), django_capture_on_commit_callbacks() as nudges:
                assert jobs_sweep(now=timezone.now()) == 1
            assert len(nudges) == 1  # the sweeper sends the task again

    assert job.status == ImportStatus.FAILED
    assert job.error == "Gave up after 3 attempts: RuntimeError: the importer broke"
    assert not Path(job.file_path).exists()  # the uploaded personal data goes with the job
    page = staff_client.get(reverse("orders:import-job", kwargs={"shop_slug": shop.slug, "job_id": job.pk}))
    assert job.error in page.content.decode()
    with shop_scope(shop.pk):
        assert jobs_sweep(now=timezone.now() + timedelta(days=1)) == 0  # nothing left to retry
    order_import_task(other_shop.pk, job.pk)  # another shop's task cannot touch it
    assert _job(ImportJob, shop, job.pk).attempts == MAX_ATTEMPTS


def _other_session():
    settings = connection.settings_dict
    return psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"],
        host=settings["HOST"] or None, port=settings["PORT"] or None,
    )  # fmt: skip


def _hold_table(table: str):
    holder = _other_session()
    with holder.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")  # a test's constant
    return holder


def _hold_row(table: str, shop, row_id: int):
    """Another session holding the job's row, as a live worker's work transaction does."""
    holder = _other_session()
    with holder.cursor() as cursor:
        cursor.execute(*signed_setting_sql("app.shop_id", str(shop.pk)))
        cursor.execute(f"SELECT id FROM {table} WHERE shop_id = %s AND id = %s FOR UPDATE", [shop.pk, row_id])  # noqa: S608
        assert cursor.fetchone() is not None
    return holder


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_requeues_a_job_whose_worker_died_and_leaves_a_live_one_alone(tmp_path, settings):
    settings.IMPORT_UPLOAD_ROOT = tmp_path / "uploads"
    shop = make_shop("sweep-jobs", "sweep@jobs.example")
    dead, live = _queued_import(shop, tmp_path), _queued_import(shop, tmp_path)
    with shop_scope(shop.pk):  # both claimed by a worker (attempt 1) that then did nothing
        ImportJob.objects.update(status="running", attempts=1, due_at=timezone.now() - timedelta(seconds=1))
    holder = _hold_row("orders_importjob", shop, live.pk)
    try:
        assert jobs_sweep_in_scope(shop) == 1
    finally:
        holder.rollback()
        holder.close()
    dead, live = _job(ImportJob, shop, dead.pk), _job(ImportJob, shop, live.pk)
    assert (dead.status, dead.error) == ("queued", "Attempt 1 stopped before finishing.")
    assert live.status == "running" and live.error == ""


def jobs_sweep_in_scope(shop) -> int:
    with shop_scope(shop.pk):
        return jobs_sweep(now=timezone.now())


# --- with a real worker, and the broker unreachable when the jobs commit ----------------
CREATE_WITH_BROKER_DOWN = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from crm.models import Shop
    from crm.tenancy.context import shop_scope
    from insights.services import scoring_run_request
    from orders.services.imports import import_job_create

    shop_id, as_of, content = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read()
    shop = Shop.objects.get(pk=shop_id)
    with shop_scope(shop_id):
        job = import_job_create(shop=shop, upload=SimpleUploadedFile("orders.csv", content),
                                default_channel="web", created_by=None)
    with shop_scope(shop_id):
        run = scoring_run_request(shop=shop, as_of=__import__("datetime").date.fromisoformat(as_of))
    print(json.dumps({"job": job.pk, "run": run.pk}))
    """
)


def _create_with_broker_down(shop, tmp_path) -> dict:
    """Queue an import and a scoring run in a process whose broker is a closed port: both rows
    commit, and both nudges are lost."""
    source = csv_write(tmp_path / "orders.csv", ROWS)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
        "TEST_REDIS_URL": "redis://127.0.0.1:9/0",
    }
    done = subprocess.run(
        [sys.executable, "-c", CREATE_WITH_BROKER_DOWN, str(shop.pk), AS_OF.isoformat(), str(source)],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "jobs.nudge_lost" in done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _worker(queues: list[str], **environ: str) -> subprocess.Popen:
    with app.connection_for_write() as broker:
        for queue in queues:  # messages other tests left behind
            broker.default_channel.queue_purge(queue)
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test", **environ}
    command = [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool", "solo", "-Q", ",".join(queues)]
    command += ["--loglevel", "WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"]
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_jobs_whose_publish_was_lost_are_completed_by_the_sweeper(tmp_path):
    shop = make_shop("lost-publish", "lost@jobs.example")
    with shop_scope(shop.pk):
        shop_with_history(shop, customers=60)
    ids = _create_with_broker_down(shop, tmp_path)
    worker = _worker([Queue.DEFAULT, Queue.SCORING])
    try:
        time.sleep(3)
        # Nothing reached the broker: the worker has nothing to do and the jobs wait.
        assert _job(ImportJob, shop, ids["job"]).status == "queued"
        assert _job(ScoringRun, shop, ids["run"]).status == "queued"
        _make_due(ImportJob, shop, ids["job"])
        _make_due(ScoringRun, shop, ids["run"])
        assert jobs_sweep_task() == 2  # the beat's sweep, run here instead of waiting a minute
        deadline = time.monotonic() + 120
        while _job(ImportJob, shop, ids["job"]).status != "succeeded" or _job(ScoringRun, shop, ids["run"]).is_active:
            assert time.monotonic() < deadline and worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    job, run = _job(ImportJob, shop, ids["job"]), _job(ScoringRun, shop, ids["run"])
    assert (job.orders_created, job.attempts) == (2, 1)
    assert (run.status, run.attempts) == (RunStatus.SUCCEEDED, 1)
    assert not Path(job.file_path).exists()
    with shop_scope(shop.pk):
        assert Order.objects.filter(external_id__in=["C1", "C2"]).count() == 2
        assert current_run_get(shop=shop) == run


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_waiting_on_a_lock_gives_up_the_attempt_at_its_lock_timeout(tmp_path, settings):
    settings.IMPORT_UPLOAD_ROOT = ROOT / ".data" / "uploads"  # where the worker looks
    shop = make_shop("lock-timeout", "lock@jobs.example")
    holder = _hold_table("orders_order")  # e.g. a long migration or a stuck session
    worker = _worker([Queue.DEFAULT], WORKER_DB_LOCK_TIMEOUT="1s")
    try:
        job = _queued_import(shop, tmp_path)
        deadline = time.monotonic() + 60
        while (job := _job(ImportJob, shop, job.pk)).attempts == 0 or job.status == "running":
            assert time.monotonic() < deadline and worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.3)
    finally:
        holder.rollback()
        holder.close()
        worker.terminate()
        worker.wait(timeout=30)
    assert (job.status, job.attempts) == ("queued", 1)  # retried later by the sweeper
    assert "lock timeout" in job.error
    with shop_scope(shop.pk):
        assert not Order.objects.exists()
    Path(job.file_path).unlink()
