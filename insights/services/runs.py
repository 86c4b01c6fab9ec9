"""Scoring runs: request one, process it (claim, compute, store, make current).

Invariants:
- At most one queued/running run per shop: a unique partial index refuses a second one;
  `scoring_run_request` reports the run in the way (RunAlreadyActive) without waiting on it.
- A run is a durable job (crm/platform/jobs.py): its claim commits on its own and counts an
  attempt, so a redelivered or duplicated task does nothing, and a run whose task message
  is lost or whose worker dies is run again by the beat sweeper, then given up with the
  reason after a few attempts.
- Computation, write-back and "make current" happen in one transaction. A worker that dies
  rolls all of it back and the previous run stays current. An error the run can report
  rolls back to a savepoint and marks the run failed instead.
"""

import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop
from crm.platform.jobs import job_enqueue_on_commit, job_run
from crm.shops.audit import audit_event_record
from customers.selectors import targeting_refused_ids
from insights.models import ACTIVE_RUN_STATUSES, CustomerScore, RunStatus, RunTrigger, ScoringRun, ShopScoringState
from insights.scoring.pipeline import (
    ModelFits,
    RfmResult,
    fit_quality_check,
    lifecycle_stage_assign,
    models_fit,
    rfm_assign,
    run_stats,
    scores_frame,
    value_assign,
)
from insights.services.progress import run_progress_get, run_progress_report
from insights.services.segment_map import segment_rules_for_run
from insights.services.summary import HOLDOUT_DAYS, customer_summary_fetch
from insights.services.writeback import customer_scores_write

logger = logging.getLogger(__name__)

# Succeeded runs whose per-customer rows are kept (the current run's always are); older
# runs keep their summary, cut points and fits.
SCORE_HISTORY_RUNS = 30
# What a run reports as its failure instead of dying: bad data or a broken segment map
# (ValueError), numerical trouble (ArithmeticError) and database errors.
RUN_ERRORS = (ValueError, ArithmeticError, DatabaseError)


class RunAlreadyActive(Exception):
    def __init__(self, run: ScoringRun):
        self.run = run
        super().__init__(
            _(
                "A scoring run for this shop is already %(status)s (run #%(id)s, requested %(at)s); "
                "wait for it to finish."
            )
            % {
                "status": run.get_status_display().lower(),
                "id": run.pk,
                "at": run.created_at.strftime("%Y-%m-%d %H:%M"),
            }
        )


def shop_today(*, shop: Shop) -> date:
    return timezone.now().astimezone(shop.tzinfo).date()


def scoring_run_request(
    *, shop: Shop, as_of: date | None = None, requested_by=None, trigger: str = RunTrigger.STAFF, enqueue: bool = True
) -> ScoringRun:
    """Queue a run as of `as_of` (default: today in the shop's timezone) and enqueue its task
    on commit. Raises RunAlreadyActive when the shop has a queued or running run, and
    ValueError for an as-of day in the shop's future."""
    as_of = as_of or shop_today(shop=shop)
    if as_of > shop_today(shop=shop):
        raise ValueError(_("The as-of date cannot be in the future."))
    active = ScoringRun.objects.filter(status__in=ACTIVE_RUN_STATUSES).first()
    if active is not None:
        raise RunAlreadyActive(active)
    try:
        with transaction.atomic():
            number = (ScoringRun.objects.aggregate(last=Max("number"))["last"] or 0) + 1
            run = ScoringRun.objects.create(
                shop=shop, number=number, as_of=as_of, trigger=trigger, requested_by=requested_by
            )
    except IntegrityError:
        active = ScoringRun.objects.filter(status__in=ACTIVE_RUN_STATUSES).first()
        if active is None:
            raise
        raise RunAlreadyActive(active) from None
    audit_event_record(
        action="insights.scoring_run.request", obj=run, changes={"as_of": str(as_of), "trigger": trigger}
    )
    if enqueue:
        job_enqueue_on_commit(run)
    return run


def scoring_run_process(*, shop: Shop, run_id: int) -> ScoringRun | None:
    """Claim the run if it is still to do and execute it; None when there was nothing to do
    (finished, or another worker holds it)."""
    return job_run(ScoringRun, shop_id=shop.pk, job_id=run_id, work=lambda run: _run_work(shop, run))


def _run_work(shop: Shop, run: ScoringRun) -> None:
    run_progress_report(shop_id=shop.pk, run_id=run.pk, stage="claimed")
    try:
        with transaction.atomic():
            scoring_run_execute(shop=shop, run=run)
    except RUN_ERRORS as error:
        logger.warning("insights.scoring_run.failed", extra={"shop_id": shop.pk, "run_id": run.pk})
        reached = run_progress_get(shop_id=shop.pk, run_id=run.pk)
        ScoringRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            progress=reached["percent"] if reached else 0,
            progress_message=reached["stage"] if reached else "",
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        run.refresh_from_db()


@dataclass
class _Stages:
    """Reports each stage's progress as it starts and records how long it took."""

    shop_id: int
    run_id: int
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        run_progress_report(shop_id=self.shop_id, run_id=self.run_id, stage=stage)
        started = time.perf_counter()
        yield
        self.timings[stage] = round(time.perf_counter() - started, 3)


def scoring_run_execute(*, shop: Shop, run: ScoringRun) -> ScoringRun:
    """Score every customer with a qualifying order as of the run's day, store the
    snapshot and make it current. Run inside the shop's scope, on a claimed run."""
    stage = _Stages(shop.pk, run.pk)
    rules = segment_rules_for_run(shop=shop)
    with stage("summary"):
        summary = customer_summary_fetch(shop=shop, as_of=run.as_of)
    with stage("rfm"):
        rfm = rfm_assign(summary, rules)
    with stage("fit"):
        fits = models_fit(summary)
    with stage("value"):
        value = value_assign(summary, fits)
        lifecycle = lifecycle_stage_assign(summary, value)
    frame = scores_frame(summary, rfm, value, lifecycle)
    targetable = ~summary["customer_id"].isin(targeting_refused_ids(shop=shop))
    segments = list(dict.fromkeys(rule.key for rule in rules))
    # The holdout check and the run's statistics need only the frames: a thread computes them
    # while PostgreSQL inserts the scores (the driver releases the GIL while it waits).
    with ThreadPoolExecutor(max_workers=1) as pool:
        checks = pool.submit(_checks_compute, summary, frame, rules, targetable)
        with stage("write"):
            written = customer_scores_write(shop_id=shop.pk, run_id=run.pk, frame=frame[targetable], segments=segments)
        quality, stats, stage.timings["quality"] = checks.result()
    _run_results_store(run, rules=rules, rfm=rfm, fits=fits, stats=stats)
    run.customers_scored, run.fit_quality, run.timings = written, quality, stage.timings
    run.save()
    _current_run_set(shop=shop, run=run)
    scoring_history_prune(shop=shop)
    run_progress_report(shop_id=shop.pk, run_id=run.pk, stage="done")
    return run


def _checks_compute(summary, frame, rules, targetable) -> tuple[dict, dict, float]:
    """The fit's holdout check, the run's statistics, and the seconds they took."""
    started = time.perf_counter()
    quality = fit_quality_check(summary, HOLDOUT_DAYS)
    return quality, run_stats(summary, frame, rules, targetable), round(time.perf_counter() - started, 3)


def _run_results_store(run: ScoringRun, *, rules, rfm: RfmResult, fits: ModelFits, stats: dict) -> None:
    run.status, run.finished_at, run.progress, run.progress_message = RunStatus.SUCCEEDED, timezone.now(), 100, "done"
    run.rfm_cutpoints = rfm.cutpoints.as_dict()
    run.segment_map = [rule.as_dict() for rule in rules]
    run.segment_counts = {key: segment["customers"] for key, segment in stats["segments"].items()}
    run.stats = stats
    run.bgnbd_status, run.bgnbd_reason, run.bgnbd_params = fits.bgnbd.status, fits.bgnbd.reason, fits.bgnbd.as_dict()
    gamma_gamma = fits.gamma_gamma
    run.gamma_gamma_status, run.gamma_gamma_reason = gamma_gamma.status, gamma_gamma.reason
    run.gamma_gamma_params = gamma_gamma.as_dict()


def _current_run_set(*, shop: Shop, run: ScoringRun) -> None:
    """A finished run becomes current unless the current one is as of a later day (a
    backfill for an old date joins the history without replacing today's view)."""
    state, _created = ShopScoringState.objects.select_for_update().get_or_create(shop=shop)
    current = state.current_run
    if current is None or current.as_of <= run.as_of:
        state.current_run, state.updated_at = run, timezone.now()
        state.save(update_fields=["current_run", "updated_at"])


def scoring_history_prune(*, shop: Shop, keep_runs: int = SCORE_HISTORY_RUNS) -> int:
    """Delete the per-customer rows of succeeded runs beyond the newest `keep_runs` (never
    the current run's); returns how many runs were pruned."""
    state = ShopScoringState.objects.filter(shop=shop).first()
    unpruned = ScoringRun.objects.filter(status=RunStatus.SUCCEEDED, scores_pruned_at__isnull=True)
    keep = set(unpruned.order_by("-as_of", "-pk").values_list("pk", flat=True)[:keep_runs])
    if state is not None and state.current_run_id:
        keep.add(state.current_run_id)
    prune = list(unpruned.exclude(pk__in=keep).values_list("pk", flat=True))
    if prune:
        CustomerScore.objects.filter(run_id__in=prune).delete()
        ScoringRun.objects.filter(pk__in=prune).update(scores_pruned_at=timezone.now())
    return len(prune)
