"""The occasion detectors of the scanned care rules: who is due a message on the shop's day.

Each detector reads set-based (one statement, or two) inside the shop's scope and returns
`Occasion`s; the occasion key is what makes a message happen once (the outbox refuses a
second row for the same shop, rule, customer, occasion and channel), so a detector may find
the same customer again on a later round or day without harm. Days are the shop's days.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Greatest

from campaigns.care_calendar import birthday_month_days, recurring_gift_date, same_day_in_year
from campaigns.models import CareKind, CareRule
from crm.models import Shop
from customers.models import Customer
from insights.models import CustomerScore, LifecycleStage
from insights.selectors import current_run_get, previous_run_get
from loyalty.rules import tier_rank
from loyalty.selectors import points_expiring, tier_changes_since, tier_rules_at
from orders.models import Order, OrderStatus

# A lapse found late (the shop's rounds failed for a while) is still messaged within this many days.
CATCH_UP_DAYS = 7
# Years of history the recurring-gift reminder looks back over.
GIFT_YEARS = 5
GIFT_WINDOW_DAYS = 7
# A burst of daily orders must not make a week's silence look like a lapse (as insights' lifecycle).
MINIMUM_GAP_DAYS = 14


@dataclass(frozen=True)
class Occasion:
    customer_id: int
    key: str
    variables: dict = field(default_factory=dict)
    link_url: str = ""
    send_after: datetime | None = None  # None: as soon as messaging allows


def day_start(shop: Shop, day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=shop.tzinfo)


def local_day_key(shop: Shop, moment: datetime) -> str:
    """The shop's day of `moment`, as an occasion key ("2026-10-10")."""
    return moment.astimezone(shop.tzinfo).date().isoformat()


def _live_customers():
    return Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)


def birthday_occasions(*, shop: Shop, rule: CareRule, today: date) -> list[Occasion]:
    """Birthdays on today + `days` (29 February on 28 February in a common year); once a year."""
    celebrated_on = today + timedelta(days=rule.days)
    ids = _live_customers().filter(birthday_month_day__in=birthday_month_days(celebrated_on))
    return [Occasion(customer_id, str(celebrated_on.year)) for customer_id in ids.values_list("id", flat=True)]


def _lapsed_since(shop: Shop, customers, last_order_until: date) -> list[Occasion]:
    """Customers whose last order fell on a day up to CATCH_UP_DAYS before `last_order_until`;
    the lapse is named by that day, so each lapse is messaged once."""
    since = day_start(shop, last_order_until - timedelta(days=CATCH_UP_DAYS - 1))
    until = day_start(shop, last_order_until + timedelta(days=1))
    rows = customers.filter(last_order_at__gte=since, last_order_at__lt=until).values_list("id", "last_order_at")
    return [Occasion(customer_id, local_day_key(shop, last_order_at)) for customer_id, last_order_at in rows]


def win_back_occasions(*, shop: Shop, rule: CareRule, today: date) -> list[Occasion]:
    """No order for `days` days, or for `gap_multiple` times the customer's own mean interval
    between orders (floored at MINIMUM_GAP_DAYS), whichever comes first; once per lapse."""
    found = {o.customer_id: o for o in _lapsed_since(shop, _live_customers(), today - timedelta(days=rule.days))}
    if rule.gap_multiple is not None:
        interval = ExpressionWrapper(
            (F("last_order_at") - F("first_order_at")) / (F("orders_count") - 1), output_field=DurationField()
        )
        gap = ExpressionWrapper(
            Greatest(interval, Value(timedelta(days=MINIMUM_GAP_DAYS))) * float(rule.gap_multiple),
            output_field=DurationField(),
        )
        end = day_start(shop, today + timedelta(days=1))
        rows = (
            _live_customers()
            .filter(orders_count__gte=2)
            .annotate(due_at=ExpressionWrapper(F("last_order_at") + gap, output_field=DateTimeField()))
            .filter(due_at__lt=end, due_at__gte=end - timedelta(days=CATCH_UP_DAYS))
            .values_list("id", "last_order_at")
        )
        for customer_id, last_order_at in rows:
            found.setdefault(customer_id, Occasion(customer_id, local_day_key(shop, last_order_at)))
    return list(found.values())


def first_purchase_occasions(*, shop: Shop, rule: CareRule, today: date) -> list[Occasion]:
    """`days` days after a customer's only purchase; once (the purchase names the occasion)."""
    return _lapsed_since(shop, _live_customers().filter(orders_count=1), today - timedelta(days=rule.days))


def recurring_gift_occasions(*, shop: Shop, rule: CareRule, today: date) -> list[Occasion]:
    """`days` days before a customer's recurring gift date (calendar_recurring_gift_date over
    the last GIFT_YEARS years of counted orders); once a year."""
    target = today + timedelta(days=rule.days)
    windows = Q()
    for year in range(target.year - GIFT_YEARS, target.year):
        anniversary = same_day_in_year(target, year)
        windows |= Q(
            placed_at__gte=day_start(shop, anniversary - timedelta(days=GIFT_WINDOW_DAYS)),
            placed_at__lt=day_start(shop, anniversary + timedelta(days=GIFT_WINDOW_DAYS + 1)),
        )
    order_days: dict[int, list[date]] = defaultdict(list)
    orders = Order.objects.filter(windows, status__in=OrderStatus.counted(), customer__merged_into__isnull=True)
    for customer_id, placed_at in orders.values_list("customer_id", "placed_at"):
        order_days[customer_id].append(placed_at.astimezone(shop.tzinfo).date())
    return [
        Occasion(customer_id, str(target.year))
        for customer_id, days in order_days.items()
        if recurring_gift_date(days, around=target, window_days=GIFT_WINDOW_DAYS) == target
    ]


def valuable_at_risk_occasions(*, shop: Shop, rule: CareRule, today: date) -> list[Occasion]:
    """Customers at risk in the current scoring run who were scored but not at risk in the
    previous one, and were or are in one of the rule's valuable segments; once per lapse
    (named by the last order day)."""
    run = current_run_get(shop=shop)
    previous = run and previous_run_get(shop=shop, run=run)
    if previous is None:
        return []
    before = CustomerScore.objects.filter(run=previous, customer_id=OuterRef("customer_id"))
    rows = (
        CustomerScore.objects.filter(run=run, lifecycle_stage=LifecycleStage.AT_RISK)
        .annotate(
            stage_before=Subquery(before.values("lifecycle_stage")[:1]),
            segment_before=Subquery(before.values("segment")[:1]),
        )
        .filter(stage_before__isnull=False)
        .exclude(stage_before=LifecycleStage.AT_RISK)
        .filter(Q(segment__in=rule.segments) | Q(segment_before__in=rule.segments))
        .values_list("customer_id", "customer__last_order_at")
    )
    return [
        Occasion(customer_id, local_day_key(shop, last_order_at) if last_order_at else run.as_of.isoformat())
        for customer_id, last_order_at in rows
    ]


def points_expiring_occasions(*, shop: Shop, rule: CareRule, today: date) -> list[Occasion]:
    """Customers whose loyalty points expire on today + `days`, with the points as {amount};
    once per expiry day."""
    rows = points_expiring(shop, on=today + timedelta(days=rule.days), within_days=0)
    return [
        Occasion(customer_id, expires_on.isoformat(), {"amount": str(points)})
        for customer_id, points, expires_on in rows
    ]


def tier_upgrade_occasions(*, shop: Shop, rule: CareRule, today: date) -> list[Occasion]:
    """Customers whose loyalty tier went up since the start of yesterday (a scan runs early
    each day); once per tier reached and day."""
    tiers = tier_rules_at(shop=shop, day=today)
    return [
        Occasion(customer_id, f"{new_tier}:{local_day_key(shop, changed_at)}")
        for customer_id, old_tier, new_tier, changed_at in tier_changes_since(
            shop, day_start(shop, today - timedelta(days=1))
        )
        if new_tier and tier_rank(new_tier, tiers) > tier_rank(old_tier or "", tiers)
    ]


DETECTORS: dict[str, Callable[..., list[Occasion]]] = {
    CareKind.BIRTHDAY: birthday_occasions,
    CareKind.WIN_BACK: win_back_occasions,
    CareKind.FIRST_PURCHASE_REACTIVATION: first_purchase_occasions,
    CareKind.RECURRING_GIFT: recurring_gift_occasions,
    CareKind.VALUABLE_AT_RISK: valuable_at_risk_occasions,
    CareKind.POINTS_EXPIRING: points_expiring_occasions,
    CareKind.TIER_UPGRADE: tier_upgrade_occasions,
}
