"""The program's settings and tier rules. A change of tiers is a new rule version that takes
effect on a shop-local date; on that date (by the nightly settle, or at once when the date
is today) every account's tier is recomputed."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop, User
from crm.shops.audit import audit_event_record
from loyalty.models import LoyaltyAccount, LoyaltyProgram, Tier, TierRuleVersion
from loyalty.rules import TierRule, tier_for, tier_rank
from loyalty.selectors import local_date, program_get, tier_rules_at
from loyalty.services.accounts import tiers_recompute
from loyalty.services.ledger import LoyaltyInvalid

SETTINGS_FIELDS = (
    "is_enabled", "points_per_unit", "growth_per_unit", "return_window_days", "points_expiry_months",
    "expiry_reminder_days", "growth_period", "yearly_decay_percent", "point_value",
)  # fmt: skip
MAX_TIERS = 20


@transaction.atomic
def program_update(*, shop: Shop, data: dict) -> LoyaltyProgram:
    """Change the settings named in `data` (validated by the model's own rules)."""
    program = program_get(shop=shop)
    if program.pk is not None:
        program = LoyaltyProgram.objects.select_for_update().get(pk=program.pk)
    before = {name: str(getattr(program, name)) for name in SETTINGS_FIELDS}
    for name in SETTINGS_FIELDS:
        if name in data:
            setattr(program, name, data[name])
    program.updated_at = timezone.now()
    try:
        program.full_clean(exclude=["shop"])
    except ValidationError as error:
        raise LoyaltyInvalid(error.message_dict) from None
    program.save()
    changes = {name: [before[name], str(getattr(program, name))] for name in SETTINGS_FIELDS
               if before[name] != str(getattr(program, name))}  # fmt: skip
    audit_event_record(action="loyalty.program_update", obj=program, changes=changes)
    return program


def tiers_clean(raw) -> list[TierRule]:
    """Tiers from input: a list of {name, threshold, points_multiplier?, free_shipping?,
    priority_service?, coupon_campaign_id?}; names and thresholds unique. Sorted by threshold."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_TIERS:
        raise LoyaltyInvalid({"tiers": [_("Give between 1 and %(max)s tiers.") % {"max": MAX_TIERS}]})
    errors: dict[str, list[str]] = {}
    tiers = []
    for index, item in enumerate(raw):
        tier = _tier_clean(item, f"tiers.{index}", errors)
        if tier is not None:
            tiers.append(tier)
    if len({tier.name for tier in tiers}) != len(tiers):
        errors.setdefault("tiers", []).append(_("Tier names must be different."))
    if len({tier.threshold for tier in tiers}) != len(tiers):
        errors.setdefault("tiers", []).append(_("Tier thresholds must be different."))
    if errors:
        raise LoyaltyInvalid(errors)
    return sorted(tiers, key=lambda tier: tier.threshold)


def _tier_clean(item, field: str, errors: dict) -> TierRule | None:
    if not isinstance(item, dict):
        errors[field] = [_("Must be an object with a name and a threshold.")]
        return None
    name = item.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 50:
        errors[f"{field}.name"] = [_("Give a name of at most 50 characters.")]
    threshold = item.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 0 <= threshold <= 2_000_000_000:
        errors[f"{field}.threshold"] = [_("Must be a whole number from 0.")]
    try:
        multiplier = Decimal(str(item.get("points_multiplier", "1")))
        if not Decimal("0") <= multiplier <= Decimal("99.99"):
            raise InvalidOperation
    except InvalidOperation:
        errors[f"{field}.points_multiplier"] = [_("Must be a number from 0 to 99.99.")]
    campaign = item.get("coupon_campaign_id")
    if campaign is not None and (isinstance(campaign, bool) or not isinstance(campaign, int) or campaign <= 0):
        errors[f"{field}.coupon_campaign_id"] = [_("Must be a campaign id or null.")]
    if any(key.startswith(field) for key in errors):
        return None
    return TierRule(
        name=name.strip(),
        threshold=threshold,
        points_multiplier=multiplier.quantize(Decimal("0.01")),
        free_shipping=bool(item.get("free_shipping", False)),
        priority_service=bool(item.get("priority_service", False)),
        coupon_campaign_id=campaign,
    )


def tier_rules_preview(*, shop: Shop, tiers: list[TierRule]) -> dict:
    """How many customers the new tiers would move up, down, or leave where they are (by
    position in the tier ladder), by today's growth values."""
    current = tier_rules_at(shop=shop, day=local_date(shop, timezone.now()))
    moves = {"up": 0, "down": 0, "same": 0}
    per_tier = {tier.name: 0 for tier in tiers}
    histogram = LoyaltyAccount.objects.values_list("growth_value").annotate(count=Count("id"))
    for growth, count in histogram.values_list("growth_value", "count"):
        old, new = tier_for(growth, current), tier_for(growth, tiers)
        if new is not None:
            per_tier[new.name] += count
        old_rank = tier_rank(old.name, current) if old else -1
        new_rank = tier_rank(new.name, tiers) if new else -1
        moves["up" if new_rank > old_rank else "down" if new_rank < old_rank else "same"] += count
    return {**moves, "per_tier": per_tier}


@transaction.atomic
def tier_rules_schedule(
    *, shop: Shop, tiers: list[TierRule], effective_from: date, actor: User | None
) -> TierRuleVersion:
    """Save tiers that apply from `effective_from` (today or later; a version already on that
    date is replaced). From today: tiers are recomputed now."""
    today = local_date(shop, timezone.now())
    if effective_from < today:
        raise LoyaltyInvalid({"effective_from": [_("Choose today or a later date.")]})
    TierRuleVersion.objects.filter(effective_from=effective_from).delete()
    version = TierRuleVersion.objects.create(shop_id=shop.pk, effective_from=effective_from, created_by=actor)
    Tier.objects.bulk_create([Tier(shop_id=shop.pk, rule_version=version, **tier.__dict__) for tier in tiers])
    audit_event_record(
        action="loyalty.tier_rules_schedule", obj=version,
        changes={"effective_from": effective_from.isoformat(), "tiers": [[t.name, t.threshold] for t in tiers]},
    )  # fmt: skip
    if effective_from == today:
        tiers_recompute(shop=shop, program=program_get(shop=shop), at=timezone.now())
    return version
