"""Celery adapters: JSON scalars in, shop scope around, one service call. Both are routed to
the scoring queue by name (CELERY_TASK_ROUTES "insights.scoring*")."""

from celery import shared_task
from celery.signals import worker_init
from django.utils import timezone

from crm.models import Shop
from crm.tenancy.tasks import with_shop_scope


@worker_init.connect
def _scoring_stack_preload(**_kwargs) -> None:
    """Load the services (pandas, scipy) once in the worker's main process, before the pool
    forks, so no pool process spends its first run importing them."""
    import insights.services  # noqa: F401, PLC0415


@shared_task(name="insights.scoring_run")
@with_shop_scope(atomic=False)
def scoring_run_task(shop_id: int, run_id: int) -> str:
    """Safe to run twice: the service claims the run only while it is to do (crm/platform/jobs.py)."""
    from insights.services import scoring_run_process

    run = scoring_run_process(shop=Shop.objects.get(pk=shop_id), run_id=run_id)
    return "skipped" if run is None else run.status


@shared_task(name="insights.scoring_dispatch")
def scoring_dispatch_task() -> int:
    """Beat entry point (every 15 minutes): queue tonight's run for each shop past 03:00
    local time that has none yet; returns how many runs were queued."""
    from insights.services import scoring_nightly_dispatch

    return len(scoring_nightly_dispatch(now=timezone.now()))
