"""The Celery app, its queues and the one beat schedule (exactly one beat process runs it)."""

import os
from enum import StrEnum

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun, worker_init

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
    # Hourly at minute 7 (https://crontab.guru/#7_*_*_*_*): queue the loyalty settle of each
    # shop whose local time is 03:xx (pending points become available, expiry, tiers).
    "loyalty-settle-dispatch": {
        "task": "loyalty.settle_dispatch",
        "schedule": crontab(minute=7),
    },
    # Daily at 04:41 UTC (https://crontab.guru/#41_4_*_*_*): delete expired staff sessions
    # from PostgreSQL (Redis expires its copies by itself).
    "sessions-clear": {
        "task": "crm.sessions_clear",
        "schedule": crontab(minute=41, hour=4),
    },
    # Every 5 minutes (https://crontab.guru/#*/5_*_*_*_*): one care round per shop: today's
    # care occasions to the outbox, then what is due sent (campaigns/services/care_messages.py).
    "campaigns-care-round": {
        "task": "campaigns.care_round_dispatch",
        "schedule": crontab(minute="*/5"),
    },
    # Every 5 minutes (https://crontab.guru/#*/5_*_*_*_*): per shop, hand due satisfaction
    # surveys to messaging and close resolved tickets the customer did not answer.
    "tickets-housekeeping-dispatch": {
        "task": "tickets.housekeeping_dispatch",
        "schedule": crontab(minute="*/5"),
    },
    # Every minute (https://crontab.guru/#*_*_*_*_*): warn assignees before an SLA due time
    # and escalate to managers when one passes (tickets/services/breaches.py).
    "tickets-sla-scan": {
        "task": "tickets.sla_breaches_scan_dispatch",
        "schedule": crontab(),
    },
    # Every minute (https://crontab.guru/#*_*_*_*_*): one outbox round per shop sends the
    # messages that are due (messaging/services/dispatch.py); the rows decide what is due.
    "messaging-outbox-dispatch": {
        "task": "messaging.outbox_dispatch_every_shop",
        "schedule": crontab(),
    },
    # Every minute (https://crontab.guru/#*_*_*_*_*): run again the import jobs and scoring
    # runs whose task message was lost or whose worker died (crm/platform/jobs.py).
    "jobs-sweep": {
        "task": "crm.jobs_sweep",
        "schedule": crontab(),
    },
}


@task_prerun.connect
@task_postrun.connect
def _close_stale_connections(**_kwargs) -> None:
    # Workers hold database connections across tasks: drop broken or aged ones at each
    # task boundary, as Django does between requests (after a PostgreSQL restart, say).
    from django.db import close_old_connections

    close_old_connections()


@worker_init.connect
def _worker_database_timeouts(**_kwargs) -> None:
    """Every database session a worker opens gets a lock and a statement timeout (the pool
    processes inherit this receiver when they fork)."""
    from django.db.backends.signals import connection_created

    connection_created.connect(_session_timeouts_set, weak=False)


def _session_timeouts_set(connection, **_kwargs) -> None:
    from django.conf import settings

    with connection.cursor() as cursor:
        cursor.execute(
            "SET lock_timeout = %s; SET statement_timeout = %s",
            [settings.WORKER_DB_LOCK_TIMEOUT, settings.WORKER_DB_STATEMENT_TIMEOUT],
        )
