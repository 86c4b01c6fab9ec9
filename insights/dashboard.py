"""What the insights dashboard shows, assembled from the current run's stored statistics
(read-only; every label translatable)."""

from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from crm.models import Role, Shop, role_at_least
from customers.models import Customer
from insights.labels import DIMENSION_LABELS, NO_SEGMENT, segment_label, stage_reason
from insights.models import LifecycleStage, RunStatus, ScoringRun
from insights.selectors import (
    active_run_get,
    current_run_get,
    cutpoint_table,
    previous_run_get,
    run_progress,
    scoring_run_list,
    segment_movement,
    segment_summary,
)
from orders.models import Order


def _shade(count: int, largest: int) -> float:
    return round(0.08 + 0.82 * count / largest, 2) if largest and count else 0.0


def _customers_url(shop: Shop, **filters) -> str:
    """The customers list showing the customers these score filters select: the drill-down
    from a chart cell or a segment."""
    return reverse("customers:list", kwargs={"shop_slug": shop.slug}) + "?" + urlencode(filters)


def _rf_grid(shop: Shop, run: ScoringRun) -> list[dict[str, Any]]:
    """Rows R = 5..1, columns F = 1..5, each cell with its customers, shading and link."""
    grid = run.stats.get("rf_grid") or [[0] * 5 for _ in range(5)]
    largest = max(max(row) for row in grid)
    return [
        {
            "r": r,
            "cells": [
                {"f": f, "count": grid[r - 1][f - 1], "alpha": _shade(grid[r - 1][f - 1], largest),
                 "url": _customers_url(shop, r_score=r, f_score=f)}
                for f in range(1, 6)
            ],
        }
        for r in range(5, 0, -1)
    ]  # fmt: skip


def _movement(shop: Shop, run: ScoringRun) -> dict[str, Any] | None:
    previous = previous_run_get(shop=shop, run=run)
    if previous is None:
        return None
    movement = segment_movement(shop=shop, from_run=previous, to_run=run)
    largest = max((count for row in movement["matrix"] for count in row), default=0)
    segments = movement["segments"]
    rows = [
        {
            "label": segment_label(segment["key"], segment["name"]),
            "cells": [
                {"count": count, "alpha": _shade(count, largest), "is_same": index == column,
                 "url": None if NO_SEGMENT in (segment["key"], segments[column]["key"]) else _customers_url(
                     shop, segment=segments[column]["key"], segment_at_run=f"{previous.pk}:{segment['key']}")}
                for column, count in enumerate(row)
            ],
        }
        for index, (segment, row) in enumerate(zip(segments, movement["matrix"], strict=True))
    ]  # fmt: skip
    columns = [segment_label(segment["key"], segment["name"]) for segment in segments]
    return {"previous": previous, "columns": columns, "rows": rows, "moved": movement["moved"]}


def _customer_url(shop: Shop, customer_id: int) -> str | None:
    try:
        return reverse("customers:detail", kwargs={"shop_slug": shop.slug, "customer_id": customer_id})
    except NoReverseMatch:
        return None


def _at_risk(shop: Shop, run: ScoringRun) -> list[dict[str, Any]]:
    top = run.stats.get("at_risk_top", [])
    names = dict(Customer.objects.filter(pk__in=[row["customer_id"] for row in top]).values_list("pk", "name"))
    stages = dict(LifecycleStage.choices)
    names_by_segment = {rule["key"]: rule["name"] for rule in run.segment_map}
    return [
        {
            **row,
            "name": names.get(row["customer_id"], ""),
            "url": _customer_url(shop, row["customer_id"]),
            "segment_label": segment_label(row["segment"], names_by_segment.get(row["segment"], "")),
            "stage_label": stages.get(row["lifecycle_stage"], row["lifecycle_stage"]),
            "stage_reason": stage_reason(row["lifecycle_stage"], row["recency_days"], row["p_alive"]),
        }
        for row in top
        if row["customer_id"] in names
    ]


def _number(value, is_money: bool) -> str:
    """A cut point with thousands separators: money to the cent (1,599.05), counts and days
    with at most one decimal (53.2, 1)."""
    if is_money:
        return f"{float(value):,.2f}"
    return f"{float(value):,.1f}".removesuffix(".0")


def _range_text(above, up_to, is_money: bool) -> str:
    if above is None:
        return f"≤ {_number(up_to, is_money)}"
    if up_to is None:
        return f"> {_number(above, is_money)}"
    if float(above) >= float(up_to):
        return ""  # two equal cut points: no value falls in between (ties share a score)
    return f"> {_number(above, is_money)} {_('and')} ≤ {_number(up_to, is_money)}"


def _cutpoint_view(row: dict[str, Any]) -> dict[str, Any]:
    is_money = row["dimension"] == "monetary"
    ranges = [{**item, "text": _range_text(item["above"], item["up_to"], is_money)} for item in row["ranges"]]
    all_equal = None if row["all_equal"] is None else _number(row["all_equal"], is_money)
    return {**row, "label": DIMENSION_LABELS[row["dimension"]], "ranges": ranges, "all_equal": all_equal}


def _charts(run: ScoringRun, segments: list[dict[str, Any]]) -> dict[str, Any]:
    """Data for the vendored Chart.js charts, passed to the page with json_script."""
    histogram = run.stats.get("clv_histogram", [])
    return {
        "segments": {
            "labels": [row["label"] for row in segments],
            "customers": [row["customers"] for row in segments],
            "revenue": [float(row["revenue"]) for row in segments],
            "customers_label": str(_("Customers")),
            "revenue_label": str(_("Revenue")),
        },
        "clv": {
            "labels": [
                f"{bucket['lower']:,.0f}–{bucket['upper']:,.0f}"
                if bucket["upper"] is not None
                else f"≥ {bucket['lower']:,.0f}"
                for bucket in histogram
            ],
            "customers": [bucket["customers"] for bucket in histogram],
            "label": str(_("Customers")),
        },
    }


def _run_view(shop: Shop, run: ScoringRun) -> dict[str, Any]:
    export = reverse("customers:export-csv", kwargs={"shop_slug": shop.slug})
    segments = [
        {
            **row,
            "label": segment_label(row["key"], row["name"]),
            "customer_pct": 100 * row["customer_share"],
            "revenue_pct": 100 * row["revenue_share"],
            "url": _customers_url(shop, segment=row["key"]),
            "export_url": f"{export}?{urlencode({'segment': row['key']})}",
        }
        for row in segment_summary(run=run)
    ]
    stages = dict(LifecycleStage.choices)
    kpis = run.stats.get("kpis", {})
    repeat_rate = kpis.get("repeat_rate")
    return {
        "kpis": {**kpis, "repeat_rate_pct": None if repeat_rate is None else 100 * repeat_rate},
        "segments": segments,
        "rf_grid": _rf_grid(shop, run),
        # Buyers who refused automated targeting (PIPL art. 24) are left out of every run.
        "not_scored_refused": Customer.objects.filter(
            Exists(Order.objects.filter(customer_id=OuterRef("pk"))),
            merged_into__isnull=True,
            is_automated_targeting_refused=True,
        ).count(),
        "movement": _movement(shop, run),
        "at_risk": _at_risk(shop, run),
        "cutpoints": [_cutpoint_view(row) for row in cutpoint_table(run=run)],
        "lifecycle": [
            {
                "stage": stage,
                "label": label,
                "customers": run.stats.get("lifecycle", {}).get(stage, 0),
                "url": _customers_url(shop, lifecycle_stage=stage),
            }
            for stage, label in stages.items()
        ],
        "charts": _charts(run, segments),
    }


def dashboard_context(*, shop: Shop, membership) -> dict[str, Any]:
    run = current_run_get(shop=shop)
    active = active_run_get(shop=shop)
    recent_runs = list(scoring_run_list(shop=shop)[:8])
    latest = recent_runs[0] if recent_runs else None
    context: dict[str, Any] = {
        "run": run,
        "active_run": active,
        "progress": run_progress(run=active) if active else None,
        "failed_run": latest if latest is not None and latest.status == RunStatus.FAILED else None,
        "can_manage": role_at_least(membership.role, Role.MANAGER),
        "recent_runs": recent_runs,
    }
    if run is not None:
        context.update(_run_view(shop, run))
    return context
