"""Durable jobs: work that must not be lost is a row, written in the transaction of the change
that asks for it (an import upload, a scoring request). The row is the promise; the broker
message only nudges a worker, and a lost one (Redis down or restarted) costs a delay.

A job model inherits `DurableJob` and has `status` (queued/running/succeeded/failed),
`started_at`, `finished_at` and `error`; its app registers a `JobKind` in `AppConfig.ready()`.
- `job_enqueue_on_commit`: nudge a worker once the row commits; a failed publish is logged.
- `job_run` (a task's body): claim the row in a short transaction of its own (queued, or
  running but left by a dead worker; `attempts` + 1), then do the work in a second
  transaction that holds the row's lock to the end: a held row means a live worker. The
  work ends the job itself. `JobFailed` ends it failed with its reason; any other error
  rolls the work back, records the error and queues the job again after a delay.
- `jobs_sweep` (beat): nudges every due job, queued but never picked up or running with
  no worker holding it; a job out of attempts fails with the reason, visible on its page.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from kombu.exceptions import OperationalError as BrokerUnavailable

from crm.models import Shop
from crm.platform.locks import rows_claim
from crm.platform.reasons import Reason, reason_detail, reason_render
from crm.tenancy.context import shop_scope

logger = logging.getLogger(__name__)

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
ACTIVE = (QUEUED, RUNNING)
MAX_ATTEMPTS = 3
# How long a queued job waits for its nudge, or a claimed one for its work to lock it,
# before the sweeper steps in; retries wait this times the attempts made.
NUDGE_GRACE = timedelta(minutes=2)
ERROR_LENGTH = 500
PROGRESS_TTL_SECONDS = 3600


def job_due_default() -> datetime:
    return timezone.now() + NUDGE_GRACE


class JobStatus(models.TextChoices):
    QUEUED = QUEUED, gettext_lazy("Queued")
    RUNNING = RUNNING, gettext_lazy("Running")
    SUCCEEDED = SUCCEEDED, gettext_lazy("Finished")
    FAILED = FAILED, gettext_lazy("Failed")


class DurableJob(models.Model):
    attempts = models.PositiveSmallIntegerField(gettext_lazy("attempts"), default=0)
    # When the sweeper next looks at the job if nothing else has moved it on.
    due_at = models.DateTimeField(gettext_lazy("due at"), default=job_due_default, editable=False)
    # How to show `error` again in the reader's language (crm/platform/reasons.py).
    error_detail = models.JSONField(gettext_lazy("error detail"), default=dict, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def error_text(self) -> str:
        return reason_render(self.error, self.error_detail)


class JobFailed(Exception):
    """The work cannot succeed (a bad file, bad data): the job fails now, with this reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class JobKind:
    model: type[DurableJob]
    task: Any  # a Celery task taking (shop_id, job_id)
    on_failed: Callable[[DurableJob], None] | None = None  # cleanup once it failed for good (after commit)


JOB_KINDS: list[JobKind] = []


def job_kind_register(kind: JobKind) -> None:
    JOB_KINDS.append(kind)


def _kind(model) -> JobKind:
    return next(kind for kind in JOB_KINDS if kind.model is model)


def job_enqueue_on_commit(job: DurableJob) -> None:
    task, shop_id, job_id = _kind(type(job)).task, job.shop_id, job.pk
    transaction.on_commit(lambda: _nudge(task, shop_id, job_id))


def _nudge(task, shop_id: int, job_id: int) -> None:
    try:
        task.delay(shop_id, job_id)
    except BrokerUnavailable:
        # The row is committed: the sweeper sends the nudge again once the broker is back.
        logger.warning("jobs.nudge_lost", extra={"shop_id": shop_id, "task": task.name, "job_id": job_id})


def job_run(model: type[DurableJob], *, shop_id: int, job_id: int, work: Callable[[DurableJob], None]):
    """Claim the job and run `work(job)` on it; None when there was nothing to claim
    (finished, or another worker has it). Call outside any shop scope (the task runs with
    `with_shop_scope(atomic=False)`); inside one, each step is a savepoint instead."""
    with shop_scope(shop_id):
        claimed = _claim(model, job_id, now=timezone.now())
    if claimed is None:
        return None
    try:
        with shop_scope(shop_id):
            job = model.objects.select_for_update().filter(pk=job_id, status=RUNNING, attempts=claimed.attempts).first()
            if job is None:
                return None  # the sweeper handed it to another worker meanwhile
            work(job)
            return job
    except JobFailed as failure:
        with shop_scope(shop_id):
            return _fail(model.objects.select_for_update().get(pk=job_id), failure.reason, now=timezone.now())
    except Exception as error:  # noqa: BLE001 - the task's edge: the job row and the log record it
        # The type only: an error's text can quote the data (a duplicate key names its value),
        # and personal data stays out of logs. The job row keeps the text for its shop's staff.
        logger.error(
            "jobs.attempt_failed",
            extra={"shop_id": shop_id, "job": model._meta.label, "job_id": job_id, "attempt": claimed.attempts,
                   "error_type": type(error).__name__},
        )  # fmt: skip
        with shop_scope(shop_id):
            return _attempt_failed(model, job_id, f"{type(error).__name__}: {error}", now=timezone.now())


def _claim(model, job_id: int, *, now: datetime):
    due_or_queued = Q(status=QUEUED) | Q(status=RUNNING, due_at__lte=now)
    rows = rows_claim(model.objects.filter(due_or_queued, pk=job_id))
    if not rows:
        return None
    job = rows[0]
    if job.attempts >= MAX_ATTEMPTS:
        _give_up(job, now=now)
        return None
    job.status, job.attempts = RUNNING, job.attempts + 1
    _error_set(job, "")
    job.started_at, job.due_at = now, now + NUDGE_GRACE
    job.save(update_fields=["status", "attempts", "error", "error_detail", "started_at", "due_at"])
    return job


def _attempt_failed(model, job_id: int, error: str, *, now: datetime):
    job = model.objects.select_for_update().get(pk=job_id)
    _error_set(job, error)
    if job.attempts >= MAX_ATTEMPTS:
        return _give_up(job, now=now)
    job.status, job.due_at = QUEUED, now + NUDGE_GRACE * job.attempts
    job.save(update_fields=["status", "error", "error_detail", "due_at"])
    return job


def _error_set(job: DurableJob, reason: str) -> None:
    job.error, job.error_detail = reason[:ERROR_LENGTH], reason_detail(reason)


def _give_up(job: DurableJob, *, now: datetime):
    if job.error_detail:
        last_error = Reason(job.error_detail["msgid"], **job.error_detail["params"])
    else:
        last_error = job.error or Reason(gettext_noop("its worker stopped before finishing"))
    reason = Reason(gettext_noop("Gave up after %(attempts)d attempts: %(error)s"), attempts=job.attempts,
                    error=last_error)  # fmt: skip
    return _fail(job, reason, now=now)


def _fail(job: DurableJob, reason: str, *, now: datetime):
    job.status, job.finished_at = FAILED, now
    _error_set(job, reason)
    job.save(update_fields=["status", "error", "error_detail", "finished_at"])
    if (on_failed := _kind(type(job)).on_failed) is not None:
        transaction.on_commit(lambda: on_failed(job))
    return job


def jobs_sweep(*, now: datetime) -> int:
    """Inside a shop's scope: nudge its due jobs again and fail those out of attempts;
    returns how many were nudged. Jobs a live worker holds are skipped."""
    nudged = 0
    for kind in JOB_KINDS:
        for job in rows_claim(kind.model.objects.filter(status__in=ACTIVE, due_at__lte=now).order_by("pk")):
            if job.attempts >= MAX_ATTEMPTS:
                _give_up(job, now=now)
                continue
            if job.status == RUNNING:  # claimed, but no worker holds it: that worker is gone
                job.status = QUEUED
                _error_set(job, Reason(gettext_noop("Attempt %(attempt)d stopped before finishing."),
                                       attempt=job.attempts))  # fmt: skip
            job.due_at = now + NUDGE_GRACE * max(job.attempts, 1)
            job.save(update_fields=["status", "error", "error_detail", "due_at"])
            job_enqueue_on_commit(job)
            nudged += 1
    return nudged


def _progress_key(model, shop_id: int, job_id: int) -> str:
    return f"jobs:{model._meta.label_lower}:shop:{shop_id}:job:{job_id}:progress"


def job_progress_report(model, *, shop_id: int, job_id: int, progress: dict) -> None:
    """Live progress for the page: the work's transaction hides the row's own changes."""
    cache.set(_progress_key(model, shop_id, job_id), progress, PROGRESS_TTL_SECONDS)


def job_progress_get(model, *, shop_id: int, job_id: int) -> dict | None:
    return cache.get(_progress_key(model, shop_id, job_id))


def job_progress_clear(model, *, shop_id: int, job_id: int) -> None:
    cache.delete(_progress_key(model, shop_id, job_id))


def jobs_sweep_every_shop(*, now: datetime) -> int:
    """The beat sweeper's body: every shop, each in its own scope and transaction."""
    nudged = 0
    for shop_id in Shop.objects.order_by("pk").values_list("pk", flat=True):
        with shop_scope(shop_id):
            nudged += jobs_sweep(now=now)
    return nudged


# --- uploaded files a job reads (CSV imports) ------------------------------------------
def job_upload_root() -> Path:
    return Path(getattr(settings, "IMPORT_UPLOAD_ROOT", settings.BASE_DIR / ".data" / "uploads"))


def job_upload_dir(shop_id: int, kind: str) -> Path:
    """The shop's own folder for one kind of upload ("orders", "customers")."""
    return job_upload_root() / str(shop_id) / kind


def job_upload_store(*, shop_id: int, kind: str, upload) -> Path:
    """Write an uploaded file under the shop's folder for `kind`; its new path."""
    folder = job_upload_dir(shop_id, kind)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.csv"
    with open(path, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def job_upload_path(job, kind: str) -> Path:
    """The job's stored file, refused (JobFailed) unless it is in its shop's folder for `kind`."""
    path = Path(job.file_path)
    if path.parent != job_upload_dir(job.shop_id, kind):
        raise JobFailed(_("The uploaded file is not in this shop's folder."))
    return path


def job_upload_cleanup(job) -> None:
    """An uploaded file holds personal data: it goes as soon as the job has ended, however."""
    Path(job.file_path).unlink(missing_ok=True)
    job_progress_clear(type(job), shop_id=job.shop_id, job_id=job.pk)
