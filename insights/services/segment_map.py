"""The shop's segment map: the documented default until a manager saves their own."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from crm.models import Shop
from crm.shops.audit import audit_event_record
from insights.models import SegmentMapConfig
from insights.scoring.rfm import DEFAULT_SEGMENT_MAP, SegmentRule, segment_map_validate


def segment_map_default() -> list[dict[str, Any]]:
    """The default 11-segment map in its JSON form."""
    return [{**rule, "r": list(rule["r"]), "fm": list(rule["fm"])} for rule in DEFAULT_SEGMENT_MAP]


def segment_map_get(*, shop: Shop) -> tuple[list[dict[str, Any]], bool]:
    """(the shop's rules in JSON form, whether they are the shop's own rather than the default)."""
    config = SegmentMapConfig.objects.filter(shop=shop).first()
    return (config.rules, True) if config is not None else (segment_map_default(), False)


def segment_rules_for_run(*, shop: Shop) -> list[SegmentRule]:
    """The validated map a run uses; a stored map that no longer validates fails the run
    with the validator's message rather than scoring with a broken map."""
    rules, _is_custom = segment_map_get(shop=shop)
    return segment_map_validate(rules)


@transaction.atomic
def segment_map_update(*, shop: Shop, rules: Any, updated_by=None) -> list[SegmentRule]:
    """Validate and save the shop's map (ValueError names the problem); `rules=None` goes
    back to the default. Takes effect from the next run."""
    if rules is None:
        SegmentMapConfig.objects.filter(shop=shop).delete()
        audit_event_record(action="insights.segment_map.reset", changes={})
        return segment_map_validate(segment_map_default())
    parsed = segment_map_validate(rules)
    stored = [rule.as_dict() for rule in parsed]
    config, created = SegmentMapConfig.objects.update_or_create(
        shop=shop, defaults={"rules": stored, "updated_by": updated_by, "updated_at": timezone.now()}
    )
    audit_event_record(
        action="insights.segment_map.update", obj=config, changes={"segments": sorted({r.key for r in parsed})}
    )
    return parsed
