"""The demo shop's first scoring run, so its dashboard has numbers on first login."""

from crm.models import Shop
from insights.models import RunTrigger, ScoringRun
from insights.services import scoring_run_process, scoring_run_request


def demo_scoring_seed(*, shop: Shop) -> ScoringRun | None:
    """Score the shop now, synchronously, unless it has ever been scored (idempotent)."""
    if ScoringRun.objects.exists():
        return None
    run = scoring_run_request(shop=shop, trigger=RunTrigger.COMMAND, enqueue=False)
    return scoring_run_process(shop=shop, run_id=run.pk)
