"""The Celery app, its queues and the one beat schedule (exactly one beat process runs it)."""

import os
from enum import StrEnum

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.dev")


class Queue(StrEnum):
    DEFAULT = "default"
    SCORING = "scoring"
    MESSAGING = "messaging"


app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Hourly at minute 17 (https://crontab.guru/#17_*_*_*_*): drop stored Idempotency-Key
    # responses older than 24 hours, shop by shop.
    "idempotency-records-purge": {
        "task": "crm.idempotency_records_purge_dispatch",
        "schedule": crontab(minute=17),
    },
    # Every 15 minutes (https://crontab.guru/#*/15_*_*_*_*): queue each shop's nightly
    # scoring run once its local time has passed 03:00; one run per shop and local day
    # (insights/services/dispatch.py).
    "insights-scoring-dispatch": {
        "task": "insights.scoring_dispatch",
        "schedule": crontab(minute="*/15"),
    },
}


@task_prerun.connect
@task_postrun.connect
def _close_stale_connections(**_kwargs) -> None:
    # Workers hold DB connections across tasks; drop broken or aged ones (PITFALLS 39).
    from django.db import close_old_connections

    close_old_connections()
