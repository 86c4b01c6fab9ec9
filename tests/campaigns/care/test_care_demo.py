"""The demo shop's care rules: every rule on, in both languages, seeded once."""

import pytest

from campaigns.care_demo import demo_care_seed
from campaigns.models import CareKind, CareRule

pytestmark = pytest.mark.django_db


def test_the_demo_turns_every_rule_on_in_both_languages_once(in_shop):
    demo_care_seed(shop=in_shop)
    rules = list(CareRule.objects.order_by("kind"))
    assert sorted(rule.kind for rule in rules) == sorted(CareKind.values)
    assert all(rule.is_enabled and rule.channels == ["sms", "email"] for rule in rules)
    assert all(rule.body["zh-hans"] and rule.body["en"] for rule in rules)
    assert demo_care_seed(shop=in_shop) == 0
    assert CareRule.objects.count() == len(CareKind.values)
