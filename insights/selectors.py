"""Reads for insights: the current run, its summaries, a customer's scores and history, the
segment movement between two runs and customers of a segment (the customer list filters
through the current run are in insights/filters.py).

Run inside the shop's scope. Everything a page shows for a whole run comes from the run's
stored statistics (computed once by the run), so no read aggregates a million score rows,
except the movement matrix, which is computed once per pair of runs and cached.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.models import Shop
from crm.platform.overview import Attention
from crm.tenancy.access import get_for_shop
from insights.labels import DIMENSION_LABELS, NO_SEGMENT, segment_label
from insights.models import ACTIVE_RUN_STATUSES, CustomerScore, RunStatus, ScoringRun, ShopScoringState
from insights.scoring.rfm import transition_order
from insights.services.progress import run_progress_get

MOVEMENT_CACHE_SECONDS = 7 * 24 * 3600
HISTORY_LIMIT = 30


def current_run_get(*, shop: Shop) -> ScoringRun | None:
    state = ShopScoringState.objects.filter(shop=shop).select_related("current_run").first()
    return state.current_run if state is not None else None


def previous_run_get(*, shop: Shop, run: ScoringRun) -> ScoringRun | None:
    """The latest succeeded run before `run` whose per-customer rows are still kept."""
    return (
        ScoringRun.objects.filter(status=RunStatus.SUCCEEDED, scores_pruned_at__isnull=True, as_of__lte=run.as_of)
        .exclude(pk=run.pk)
        .exclude(as_of=run.as_of, pk__gt=run.pk)
        .order_by("-as_of", "-pk")
        .first()
    )


def active_run_get(*, shop: Shop) -> ScoringRun | None:
    return ScoringRun.objects.filter(status__in=ACTIVE_RUN_STATUSES).order_by("-pk").first()


def scoring_run_get(*, shop: Shop, run_id: Any) -> ScoringRun:
    """The shop's run named by user input; the same 404 for missing and another shop's."""
    return get_for_shop(ScoringRun, pk=run_id)


def scoring_run_list(*, shop: Shop) -> QuerySet[ScoringRun]:
    return ScoringRun.objects.select_related("requested_by").order_by("-created_at", "-pk")


def run_progress(*, run: ScoringRun) -> dict[str, Any]:
    """{"status", "percent", "stage", "label"}: a queued run shows as running once a worker
    reports progress for it (its own row only changes when it commits)."""
    if not run.is_active:
        return {"status": run.status, "percent": 100, "stage": "", "label": run.get_status_display()}
    progress = run_progress_get(shop_id=run.shop_id, run_id=run.pk)
    if progress is None:
        return {"status": RunStatus.QUEUED.value, "percent": 0, "stage": "", "label": RunStatus.QUEUED.label}
    return {
        "status": RunStatus.RUNNING.value,
        "percent": progress["percent"],
        "stage": progress["stage"],
        "label": progress["label"],
    }


def segment_summary(*, run: ScoringRun) -> list[dict[str, Any]]:
    """Per segment, in map order: customers and their share, net spend and its share of the
    shop's revenue, total and average CLV (None without a usable spend model)."""
    segments = run.stats.get("segments", {})
    customers_total = sum(segment["customers"] for segment in segments.values()) or 1
    revenue_total = sum(segment["monetary"] for segment in segments.values()) or 1
    rows = []
    # In map order: jsonb does not keep the stored dict's key order.
    for key in dict.fromkeys(rule["key"] for rule in run.segment_map):
        segment = segments.get(key)
        if segment is None:
            continue
        clv_customers = segment["clv_customers"]
        rows.append(
            {
                "key": key,
                "name": segment["name"],
                "customers": segment["customers"],
                "customer_share": segment["customers"] / customers_total,
                "revenue": _money(segment["monetary"]),
                "revenue_share": segment["monetary"] / revenue_total,
                "clv_total": _money(segment["clv_total"]) if clv_customers else None,
                "average_clv": _money(segment["clv_total"] / clv_customers) if clv_customers else None,
            }
        )
    return rows


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


def segment_names(run: ScoringRun) -> dict[str, str]:
    return {rule["key"]: rule["name"] for rule in run.segment_map}


_MOVEMENT_SQL = """
SELECT COALESCE(before.segment, %(none)s), COALESCE(after.segment, %(none)s), COUNT(*)
FROM (SELECT customer_id, segment FROM insights_customerscore WHERE shop_id = %(shop)s AND run_id = %(from)s) AS before
FULL OUTER JOIN (SELECT customer_id, segment FROM insights_customerscore WHERE shop_id = %(shop)s AND run_id = %(to)s)
    AS after ON after.customer_id = before.customer_id
GROUP BY 1, 2
"""


def _movement_counts(*, shop: Shop, from_run: ScoringRun, to_run: ScoringRun) -> list[tuple[str, str, int]]:
    key = f"insights:shop:{shop.pk}:movement:{from_run.pk}:{to_run.pk}"
    counts = cache.get(key)
    if counts is None:
        with connection.cursor() as cursor:
            cursor.execute(_MOVEMENT_SQL, {"none": NO_SEGMENT, "shop": shop.pk, "from": from_run.pk, "to": to_run.pk})
            counts = [list(row) for row in cursor.fetchall()]
        cache.set(key, counts, MOVEMENT_CACHE_SECONDS)  # runs are immutable snapshots
    return counts


def segment_movement(*, shop: Shop, from_run: ScoringRun, to_run: ScoringRun) -> dict[str, Any]:
    """Customers moving from each segment of `from_run` (rows) to each of `to_run` (columns);
    "none" is a customer scored in only one of the runs. Both runs need their rows kept."""
    counts = _movement_counts(shop=shop, from_run=from_run, to_run=to_run)
    names = {**segment_names(from_run), **segment_names(to_run)}
    order = transition_order(list(segment_names(to_run)), {segment for row in counts for segment in row[:2]})
    position = {key: index for index, key in enumerate(order)}
    matrix = [[0] * len(order) for _ in order]
    for before, after, count in counts:
        matrix[position[before]][position[after]] = count
    return {
        "from_run": from_run,
        "to_run": to_run,
        "segments": [{"key": key, "name": names.get(key, key)} for key in order],
        "matrix": matrix,
        "moved": sum(count for before, after, count in counts if before != after),
        "stayed": sum(count for before, after, count in counts if before == after),
    }


def customer_score_history(*, customer, limit: int = HISTORY_LIMIT) -> list[CustomerScore]:
    """The customer's scores in the newest succeeded runs that keep their rows, newest first
    (one probe of the (shop, run, customer) index per run)."""
    runs = {
        run.pk: run
        for run in ScoringRun.objects.filter(status=RunStatus.SUCCEEDED, scores_pruned_at__isnull=True).order_by(
            "-as_of", "-pk"
        )[:limit]
    }
    scores = list(CustomerScore.objects.filter(run_id__in=list(runs), customer=customer))
    for score in scores:
        score.run = runs[score.run_id]
    return sorted(scores, key=lambda score: (score.run.as_of, score.run_id), reverse=True)


def customer_scores_for_page(*, shop: Shop, customer) -> dict[str, Any]:
    """A customer's scores for the 360 page (templates/insights/_customer_scores.html) and the
    API (CustomerScoresSerializer): the shop's current run, the customer's score in it (or
    None), the cut points that explain its R/F/M scores, and the segment history, newest
    first. Each score carries its run and its translated `segment_label`."""
    run = current_run_get(shop=shop)
    history = customer_score_history(customer=customer)
    for score in history:
        score.segment_label = segment_label(score.segment, segment_names(score.run).get(score.segment, ""))
    current = next((score for score in history if run is not None and score.run_id == run.pk), None)
    return {
        "customer_id": customer.pk,
        "run": run,
        "current": current,
        "explanation": score_explanation(run=run, score=current) if current else [],
        "history": history,
    }


DIMENSION_SCORES = (("recency_days", "r_score"), ("frequency", "f_score"), ("monetary", "m_score"))


def score_explanation(*, run: ScoringRun, score: CustomerScore) -> list[dict[str, Any]]:
    """Per dimension: the customer's value, the run's four thresholds, the score they give
    (F and M: 1 + thresholds strictly below the value; R the same on days, reversed) and the
    bounds of the value's band: `above` < value <= `up_to` (None: open; both None when
    every customer has the same value)."""
    explanation = []
    for dimension, score_field in DIMENSION_SCORES:
        cutpoints = run.rfm_cutpoints.get(dimension) or {}
        thresholds = cutpoints.get("thresholds", [])
        value = getattr(score, dimension)
        below = sum(threshold < value for threshold in thresholds)
        is_banded = bool(thresholds) and cutpoints.get("min") != cutpoints.get("max")
        explanation.append(
            {
                "dimension": dimension,
                "label": DIMENSION_LABELS[dimension],
                "value": value,
                "score": getattr(score, score_field),
                "thresholds": thresholds,
                "min": cutpoints.get("min"),
                "max": cutpoints.get("max"),
                "above": thresholds[below - 1] if is_banded and below > 0 else None,
                "up_to": thresholds[below] if is_banded and below < len(thresholds) else None,
            }
        )
    return explanation


def cutpoint_table(*, run: ScoringRun) -> list[dict[str, Any]]:
    """Per dimension, the value range that earns each score 1-5 (for the "why a 3" table)."""
    rows = []
    for dimension, _score_field in DIMENSION_SCORES:
        cutpoints = run.rfm_cutpoints.get(dimension)
        if not cutpoints:
            continue
        thresholds = cutpoints["thresholds"]
        if cutpoints["min"] == cutpoints["max"]:
            rows.append({"dimension": dimension, "all_equal": cutpoints["min"], "ranges": []})
            continue
        bounds = [None, *thresholds, None]
        ranges = [{"score": index + 1, "above": bounds[index], "up_to": bounds[index + 1]} for index in range(5)]
        if dimension == "recency_days":
            ranges = [{**item, "score": 6 - item["score"]} for item in ranges]
        rows.append({"dimension": dimension, "all_equal": None, "ranges": sorted(ranges, key=lambda r: -r["score"])})
    return rows


# Customers of a segment ---------------------------------------------------------------------

_RANGE_LOOKUPS = {
    "clv__gte": "clv_12m__gte",
    "clv__lte": "clv_12m__lte",
    "p_alive__gte": "p_alive__gte",
    "p_alive__lte": "p_alive__lte",
}


def segment_customers(*, run: ScoringRun, segment: str | None, filters: Mapping[str, Any]) -> QuerySet[CustomerScore]:
    """The run's scores (with their customers), optionally of one segment, filtered by the
    validated values of ScoreFilterSerializer (allow-listed fields only)."""
    scores = CustomerScore.objects.filter(run=run).select_related("customer", "run")
    if segment is not None:
        scores = scores.filter(segment=segment)
    if filters.get("lifecycle_stage"):
        scores = scores.filter(lifecycle_stage__in=filters["lifecycle_stage"])
    for name, lookup in _RANGE_LOOKUPS.items():
        if filters.get(name) is not None:
            scores = scores.filter(**{lookup: filters[name]})
    return scores


def overview_failed_run(shop: Shop) -> list[Attention]:
    """The shop overview's note when the newest scoring run failed."""
    run = ScoringRun.objects.order_by("-created_at", "-pk").first()
    if run is None or run.status != RunStatus.FAILED:
        return []
    url = reverse("insights:dashboard", kwargs={"shop_slug": shop.slug})
    return [Attention(text=_("The latest scoring run failed; the insights show the last good one."), url=url,
                      is_urgent=True)]  # fmt: skip
