"""Customer list filters through the shop's current scoring run, for customers' allow-listed
filter layer (customers/filters.py), so the customers list page, API and CSV export accept:

    segment=champions  segment__in=champions,loyal  lifecycle_stage__in=at_risk,churned
    clv__gte=500  clv__lte=2000  p_alive__gte=0.5  p_alive__lte=0.9  r_score=5  f_score=3
    segment_at_run=41:champions   (the segment a customer had in run 41: movement drill-down)

Each becomes an EXISTS on the customer's score in the current run, which PostgreSQL runs as
a semi-join on the (shop, run, customer) key; the run id is a subquery of the same
statement, so a run becoming current between two queries cannot mix snapshots, and with no
current run the filters match nobody. InsightsConfig.ready registers them, and the filter
inputs on the list page (`customer_filter_controls`).
"""

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, Subquery

from crm.models import Shop
from customers.filters import FilterField, FilterRegistry
from insights.labels import segment_label
from insights.models import CustomerScore, LifecycleStage, ShopScoringState
from insights.selectors import current_run_get, segment_names

RANGE = ("gte", "lte")
CHOICE = ("exact", "in")


def _score_q(column: str) -> Callable[[str, object, ZoneInfo], Q]:
    def build(operator: str, value, tz: ZoneInfo) -> Q:
        lookup = column if operator == "exact" else f"{column}__{operator}"
        current_run = Subquery(ShopScoringState.objects.values("current_run_id")[:1])
        # shop_id matched too: on Citus the score and the customer are then on one shard.
        scores = CustomerScore.objects.filter(
            run_id=current_run, customer_id=OuterRef("pk"), shop_id=OuterRef("shop_id"), **{lookup: value}
        )
        return Q(Exists(scores))

    return build


def _segment_at_run_q(operator: str, value, tz: ZoneInfo) -> Q:
    """`<run id>:<segment>`: customers in that segment in that run of the shop (row-level
    security keeps another shop's run id from matching anyone; a malformed value, nobody)."""
    run_id, _separator, segment = value.partition(":")
    if not run_id.isdigit() or len(run_id) > 18 or not segment:
        return Q(pk__in=[])
    return Q(Exists(CustomerScore.objects.filter(run_id=int(run_id), customer_id=OuterRef("pk"), segment=segment)))


SCORES = ("1", "2", "3", "4", "5")
CUSTOMER_SCORE_FILTERS = (
    FilterField("segment", "segment", "text", CHOICE, build=_score_q("segment")),
    FilterField(
        "lifecycle_stage",
        "lifecycle_stage",
        "text",
        CHOICE,
        choices=tuple(LifecycleStage.values),
        build=_score_q("lifecycle_stage"),
    ),  # fmt: skip
    FilterField("clv", "clv_12m", "decimal", RANGE, build=_score_q("clv_12m")),
    FilterField("p_alive", "p_alive", "decimal", RANGE, build=_score_q("p_alive")),
    FilterField("r_score", "r_score", "text", choices=SCORES, build=_score_q("r_score")),
    FilterField("f_score", "f_score", "text", choices=SCORES, build=_score_q("f_score")),
    FilterField("segment_at_run", "segment", "text", build=_segment_at_run_q),
)


def customer_score_filters_register(registry: FilterRegistry) -> None:
    for field in CUSTOMER_SCORE_FILTERS:
        registry.register(field)


def customer_filter_controls(shop: Shop) -> dict[str, Any]:
    """What templates/insights/_customer_filters.html offers: the current run's segments
    (in map order, translated) and the lifecycle stages; no run, no score filters."""
    run = current_run_get(shop=shop)
    segments = [(key, segment_label(key, name)) for key, name in segment_names(run).items()] if run else []
    return {"run": run, "segments": segments, "stages": LifecycleStage.choices}
