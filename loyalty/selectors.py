"""Reads of the loyalty program; other apps (care messages, tickets, coupons) call these.

Available points are the unspent remainders of settled lots that have not expired; pending
points the remainders of lots still inside the return window; debt the unpaid remainders
of clawbacks. Together they always equal the sum of the entries (expired lots not yet
settled aside, which the nightly settle turns into expire entries)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.models import Shop
from customers.models import Customer
from loyalty.models import (
    DEFAULT_TIERS,
    EntryKind,
    GrowthPeriod,
    LedgerEntry,
    LoyaltyAccount,
    LoyaltyProgram,
    TierChange,
    TierRuleVersion,
)
from loyalty.rules import TierRule, add_months, next_tier, tier_for

EXPIRING_SHOWN = 5


def program_get(*, shop: Shop) -> LoyaltyProgram:
    """The shop's program, unsaved with the defaults (disabled) when it has none yet."""
    return LoyaltyProgram.objects.filter().first() or LoyaltyProgram(shop=shop)


def program_is_enabled(*, shop: Shop) -> bool:
    return LoyaltyProgram.objects.filter(is_enabled=True).exists()


def local_date(shop: Shop, moment: datetime) -> date:
    return moment.astimezone(shop.tzinfo).date()


def local_midnight(shop: Shop, day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=shop.tzinfo)


def rule_version_at(*, shop: Shop, day: date) -> TierRuleVersion | None:
    return TierRuleVersion.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def tier_rules_of(version: TierRuleVersion | None) -> list[TierRule]:
    if version is None:
        return [TierRule(name=name, threshold=threshold) for name, threshold in DEFAULT_TIERS]
    return [
        TierRule(
            name=tier.name,
            threshold=tier.threshold,
            points_multiplier=tier.points_multiplier,
            free_shipping=tier.free_shipping,
            priority_service=tier.priority_service,
            coupon_campaign_id=tier.coupon_campaign_id,
        )
        for tier in version.tiers.order_by("threshold")
    ]


def tier_rules_at(*, shop: Shop, day: date) -> list[TierRule]:
    """The tiers in force on `day` (shop-local), sorted by threshold; the defaults before
    any rules were saved."""
    return tier_rules_of(rule_version_at(shop=shop, day=day))


def rule_versions(*, shop: Shop) -> list[TierRuleVersion]:
    return list(TierRuleVersion.objects.prefetch_related("tiers").order_by("-effective_from"))


def growth_window_start(program: LoyaltyProgram, at: datetime) -> datetime | None:
    """Entries created after this moment count toward growth (None: all of them)."""
    return add_months(at, -12) if program.growth_period == GrowthPeriod.ROLLING_12_MONTHS else None


def _points(customer_id: int, at: datetime) -> dict:
    open_lots = Q(remaining__gt=0) & (Q(expires_at__isnull=True) | Q(expires_at__gt=at))
    totals = LedgerEntry.objects.filter(customer_id=customer_id).aggregate(
        available=Coalesce(Sum("remaining", filter=open_lots & Q(is_pending=False)), 0),
        pending=Coalesce(Sum("remaining", filter=open_lots & Q(is_pending=True)), 0),
        debt=Coalesce(-Sum("remaining", filter=Q(remaining__lt=0)), 0),
        balance=Coalesce(Sum("points"), 0),
    )
    return totals


def expiring_lots(*, shop: Shop, customer_id: int, at: datetime, limit: int = EXPIRING_SHOWN) -> list[dict]:
    """The next expiries, soonest first, per shop-local day."""
    rows = (
        LedgerEntry.objects.filter(customer_id=customer_id, remaining__gt=0, expires_at__gt=at)
        .order_by("expires_at")
        .values_list("expires_at", "remaining")
    )
    by_day: dict[date, int] = {}
    for expires_at, remaining in rows:
        day = local_date(shop, expires_at)
        if day not in by_day and len(by_day) == limit:
            break
        by_day[day] = by_day.get(day, 0) + remaining
    return [{"points": points, "date": day} for day, points in by_day.items()]


def customer_loyalty(shop: Shop, customer: Customer, *, at: datetime | None = None) -> dict:
    """What a customer can check: tier, growth value and what the next tier needs (and until
    when today's growth counts), available / pending / debt points and the next expiries."""
    at = at or timezone.now()
    program = program_get(shop=shop)
    account = LoyaltyAccount.objects.filter(customer_id=customer.pk).first()
    growth = account.growth_value if account else 0
    tiers = tier_rules_at(shop=shop, day=local_date(shop, at))
    upcoming = next_tier(growth, tiers)
    points = _points(customer.pk, at)
    window = program.growth_period == GrowthPeriod.ROLLING_12_MONTHS
    return {
        "customer_id": customer.pk,
        "is_program_enabled": program.is_enabled,
        "tier": account.tier_name or None if account else _first_tier_name(tiers, growth),
        "growth_value": growth,
        "growth_period": program.growth_period,
        "growth_counts_until": local_date(shop, add_months(at, 12)) if window else None,
        "next_tier": upcoming.name if upcoming else None,
        "next_tier_threshold": upcoming.threshold if upcoming else None,
        "growth_to_next_tier": upcoming.threshold - growth if upcoming else 0,
        "points_available": points["available"],
        "points_pending": points["pending"],
        "points_debt": points["debt"],
        "points_balance": points["balance"],
        "points_value": (Decimal(points["available"]) * program.point_value).quantize(Decimal("0.01")),
        "expiring": expiring_lots(shop=shop, customer_id=customer.pk, at=at),
    }


def _first_tier_name(tiers: list[TierRule], growth: int) -> str | None:
    tier = tier_for(growth, tiers)
    return tier.name if tier else None


def tier_benefits(shop: Shop, customer: Customer) -> dict:
    """The customer's tier and what it grants, for tickets (priority service) and coupons."""
    account = LoyaltyAccount.objects.filter(customer_id=customer.pk).first()
    tiers = tier_rules_at(shop=shop, day=local_date(shop, timezone.now()))
    name = account.tier_name if account and account.tier_name else _first_tier_name(tiers, 0)
    tier = next((rule for rule in tiers if rule.name == name), None)
    if tier is None or not program_is_enabled(shop=shop):
        return {
            "tier": None, "is_top_tier": False, "priority_service": False, "points_multiplier": Decimal("1"),
            "free_shipping": False, "coupon_campaign_id": None,
        }  # fmt: skip
    return {
        "tier": tier.name,
        "is_top_tier": tier == tiers[-1],
        "priority_service": tier.priority_service,
        "points_multiplier": tier.points_multiplier,
        "free_shipping": tier.free_shipping,
        "coupon_campaign_id": tier.coupon_campaign_id,
    }


def customer_ids_in_tiers(shop: Shop, tier_names: list[str]) -> QuerySet:
    """Ids of the customers whose current tier is one of `tier_names` (a subquery-ready queryset)."""
    return LoyaltyAccount.objects.filter(tier_name__in=tier_names).values_list("customer_id", flat=True)


def points_expiring(shop: Shop, *, on: date, within_days: int) -> list[tuple[int, int, date]]:
    """(customer_id, points, expires_on) for available points expiring after the start of
    `on` and before the end of `on + within_days` (shop-local days), one row per customer
    and expiry day, soonest first."""
    start, end = local_midnight(shop, on), local_midnight(shop, on + timedelta(days=within_days + 1))
    rows = (
        LedgerEntry.objects.filter(remaining__gt=0, is_pending=False, expires_at__gt=start, expires_at__lt=end)
        .order_by("expires_at", "customer_id")
        .values_list("customer_id", "remaining", "expires_at")
    )
    grouped: dict[tuple[int, date], int] = {}
    for customer_id, remaining, expires_at in rows:
        key = (customer_id, local_date(shop, expires_at))
        grouped[key] = grouped.get(key, 0) + remaining
    return [(customer_id, points, day) for (customer_id, day), points in grouped.items()]


def tier_changes_since(shop: Shop, since: datetime) -> list[tuple[int, str | None, str | None, datetime]]:
    rows = TierChange.objects.filter(changed_at__gte=since).order_by("changed_at", "id")
    return [(row.customer_id, row.old_tier or None, row.new_tier or None, row.changed_at) for row in rows]


def entry_list(*, shop: Shop, customer: Customer) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(customer_id=customer.pk).order_by("-created_at", "-id")


def customer_loyalty_for_page(*, shop: Shop, customer: Customer, entries_shown: int = 20) -> dict:
    """The 360 section: the customer's loyalty state and their latest entries."""
    entries = list(entry_list(shop=shop, customer=customer).select_related("order")[:entries_shown])
    return {"loyalty": customer_loyalty(shop, customer), "entries": entries}


def program_report(*, shop: Shop, at: datetime | None = None) -> dict:
    """Members per tier, points issued, redeemed, expired, and what the open points are worth."""
    at = at or timezone.now()
    program = program_get(shop=shop)
    tiers = tier_rules_at(shop=shop, day=local_date(shop, at))
    members = dict(
        LoyaltyAccount.objects.values_list("tier_name").annotate(count=Count("id")).values_list("tier_name", "count")
    )
    by_kind = dict(LedgerEntry.objects.values_list("kind").annotate(total=Sum("points")).values_list("kind", "total"))
    issued = LedgerEntry.objects.filter(
        points__gt=0, kind__in=[EntryKind.EARN, EntryKind.RETURN, EntryKind.ADJUST]
    ).aggregate(total=Coalesce(Sum("points"), 0))["total"]
    open_points = LedgerEntry.objects.filter(remaining__gt=0).aggregate(total=Coalesce(Sum("remaining"), 0))["total"]
    return {
        "members_total": sum(members.values()),
        "tiers": [
            {"name": tier.name, "threshold": tier.threshold, "members": members.get(tier.name, 0)} for tier in tiers
        ],
        "points_issued": issued,
        "points_redeemed": -by_kind.get(EntryKind.REDEEM, 0),
        "points_expired": -by_kind.get(EntryKind.EXPIRE, 0),
        "points_clawed_back": -by_kind.get(EntryKind.CLAWBACK, 0),
        "points_outstanding": open_points,
        "liability": (Decimal(open_points) * program.point_value).quantize(Decimal("0.01")),
        "currency": shop.currency,
    }
