"""Customer list filters through the shop's current scoring run, for customers' allow-listed
filter layer (customers/filters.py):

    segment=champions  segment__in=champions,loyal  lifecycle_stage__in=at_risk,churned
    clv__gte=500  clv__lte=2000  p_alive__gte=0.5  p_alive__lte=0.9

Each becomes an EXISTS on the customer's score in the current run (indexed by shop, run,
customer); with no current run they match nobody. Register them once with
`customer_score_filters_register(CUSTOMER_FILTERS)` (insights depends on customers, not the
other way round).
"""

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q

from customers.filters import FilterField, FilterRegistry
from insights.models import CustomerScore, LifecycleStage, ShopScoringState

RANGE = ("gte", "lte")
CHOICE = ("exact", "in")


def _current_run_id() -> int | None:
    return ShopScoringState.objects.values_list("current_run_id", flat=True).first()


def _score_q(column: str) -> Callable[[str, object, ZoneInfo], Q]:
    def build(operator: str, value, tz: ZoneInfo) -> Q:
        run_id = _current_run_id()
        if run_id is None:
            return Q(pk__in=[])
        lookup = column if operator == "exact" else f"{column}__{operator}"
        scores = CustomerScore.objects.filter(run_id=run_id, customer_id=OuterRef("pk"), **{lookup: value})
        return Q(Exists(scores))

    return build


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
)


def customer_score_filters_register(registry: FilterRegistry) -> None:
    for field in CUSTOMER_SCORE_FILTERS:
        registry.register(field)
