"""The nightly fan-out: one scoring run per shop and local day, at 03:00 shop time.

Beat calls this every 15 minutes. For each shop whose local clock has passed 03:00 it
queues a run as of the previous local day (the last complete day) unless a nightly run for
that day exists. The unique index on (shop, as_of) for nightly runs makes a second beat,
a rerun or two overlapping beat processes queue nothing twice.
"""

from datetime import date, datetime, time, timedelta

from crm.models import Shop
from crm.tenancy.context import shop_scope
from insights.models import RunTrigger, ScoringRun
from insights.services.runs import RunAlreadyActive, scoring_run_request

NIGHTLY_LOCAL_TIME = time(3, 0)


def nightly_as_of(*, shop: Shop, now: datetime) -> date | None:
    """The as-of day of the shop's nightly run due at `now`, or None before 03:00 local."""
    local = now.astimezone(shop.tzinfo)
    if local.time() < NIGHTLY_LOCAL_TIME:
        return None
    return local.date() - timedelta(days=1)


def scoring_nightly_enqueue(*, shop: Shop, now: datetime) -> ScoringRun | None:
    """Queue the shop's nightly run if it is due and not queued yet (inside its scope)."""
    as_of = nightly_as_of(shop=shop, now=now)
    if as_of is None or ScoringRun.objects.filter(trigger=RunTrigger.NIGHTLY, as_of=as_of).exists():
        return None
    try:
        return scoring_run_request(shop=shop, as_of=as_of, trigger=RunTrigger.NIGHTLY)
    except RunAlreadyActive:
        return None  # a staff run is in progress; the next beat tries again


def scoring_nightly_dispatch(*, now: datetime) -> list[int]:
    """Every shop, each in its own scope and transaction; returns the ids of queued runs."""
    queued = []
    for shop in Shop.objects.order_by("pk"):
        with shop_scope(shop.pk):
            run = scoring_nightly_enqueue(shop=shop, now=now)
        if run is not None:
            queued.append(run.pk)
    return queued
