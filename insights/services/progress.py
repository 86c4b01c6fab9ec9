"""Live progress of a scoring run, kept in Redis under a shop-prefixed key (crm/platform/jobs.py).

A run computes and writes inside one transaction (so a run that dies leaves nothing
behind), which other connections cannot see into; the page and the API read the
progress from here while the run's row still says queued/running.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.platform.jobs import job_progress_get, job_progress_report
from insights.models import ScoringRun

# Stage code -> (percent reached when the stage starts, label shown to staff).
STAGES = {
    "claimed": (2, _("Starting")),
    "summary": (5, _("Aggregating orders per customer")),
    "rfm": (35, _("Scoring recency, frequency and spend")),
    "fit": (45, _("Fitting the purchase and spend models")),
    "value": (60, _("Computing P(alive) and lifetime value")),
    "write": (70, _("Saving scores")),
    "done": (100, _("Finished")),
}


def run_progress_report(*, shop_id: int, run_id: int, stage: str) -> None:
    percent, _label = STAGES[stage]
    progress = {"stage": stage, "percent": percent, "at": timezone.now().isoformat()}
    job_progress_report(ScoringRun, shop_id=shop_id, job_id=run_id, progress=progress)


def run_progress_get(*, shop_id: int, run_id: int) -> dict | None:
    """{"stage", "percent", "at", "label"} or None when the run has not reported yet."""
    progress = job_progress_get(ScoringRun, shop_id=shop_id, job_id=run_id)
    if progress is None or progress.get("stage") not in STAGES:
        return None
    return {**progress, "label": STAGES[progress["stage"]][1]}


def stage_label(stage: str):
    return STAGES[stage][1] if stage in STAGES else ""
