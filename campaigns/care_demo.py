"""The demo shop's care rules: every rule on, by SMS and email, with the default texts in
both languages; and today's care messages written to the outbox (the worker sends them)."""

from django.utils import timezone

from campaigns.models import CareKind, CareRule
from campaigns.services.care_messages import care_rules_scan
from campaigns.services.care_rules import care_rule_update
from crm.models import Shop


def demo_care_seed(*, shop: Shop) -> int:
    """Turn every rule on unless the shop has care rules already (idempotent); returns how
    many messages today's scan wrote."""
    if CareRule.objects.exists():
        return 0
    for kind in CareKind.values:
        care_rule_update(shop=shop, kind=kind, changes={"is_enabled": True, "channels": ["sms", "email"]})
    return care_rules_scan(shop=shop, at=timezone.now())
