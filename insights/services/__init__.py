"""Writes for insights. Import services from here: `from insights.services import scoring_run_request`."""

from insights.services.dispatch import scoring_nightly_dispatch, scoring_nightly_enqueue
from insights.services.runs import (
    RunAlreadyActive,
    scoring_history_prune,
    scoring_run_execute,
    scoring_run_process,
    scoring_run_request,
    shop_today,
)
from insights.services.segment_map import segment_map_default, segment_map_get, segment_map_update

__all__ = [
    "RunAlreadyActive",
    "scoring_history_prune",
    "scoring_nightly_dispatch",
    "scoring_nightly_enqueue",
    "scoring_run_execute",
    "scoring_run_process",
    "scoring_run_request",
    "segment_map_default",
    "segment_map_get",
    "segment_map_update",
    "shop_today",
]
