"""Rules for Celery tasks and row claims, checked on the source tree and the configured app."""

from pathlib import Path

from django.conf import settings

from crm.celery import app

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_DIRS = ("crm", "customers", "orders", "insights", "messaging", "tickets", "campaigns")


def test_skip_locked_row_claims_are_written_in_one_place():
    writers = [
        path.relative_to(ROOT).as_posix()
        for folder in PRODUCT_DIRS
        for path in (ROOT / folder).rglob("*.py")
        if "skip_locked" in path.read_text(encoding="utf-8")
    ]
    assert writers == ["crm/platform/locks.py"]


def test_every_task_stops_before_the_broker_would_hand_it_to_another_worker():
    app.loader.import_default_modules()
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert ours, "no tasks registered"
    for name, task in ours.items():
        soft = task.soft_time_limit or settings.CELERY_TASK_SOFT_TIME_LIMIT
        hard = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        assert soft < hard < visibility, name
