"""The care rules API: reading every rule, changing one, refusals that name the field and
change nothing, and the cross-shop rule for every endpoint."""

import pytest
from django.urls import reverse

from campaigns.models import CareRule
from crm.models import AuditEvent, Role
from crm.tenancy.context import shop_scope
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
KINDS = [
    "birthday", "order_paid", "order_shipped", "order_delivered", "after_delivery", "win_back",
    "first_purchase_reactivation", "recurring_gift", "valuable_at_risk", "points_expiring", "tier_upgrade",
]  # fmt: skip


def api_url(name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs=kwargs or None)


def staff_url(name: str, shop, **kwargs) -> str:
    return reverse(f"staff-api:{name}", kwargs={"shop_slug": shop.slug, **kwargs})


def stored_rules(shop) -> list[tuple]:
    with shop_scope(shop.pk):
        return list(CareRule.objects.order_by("kind").values_list("kind", "is_enabled", "days", "body"))


def test_every_kind_has_a_rule_off_by_default(admin_api, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        body = admin_api.get(api_url("care-rules")).json()
    assert [rule["kind"] for rule in body["results"]] == KINDS
    birthday = body["results"][0]
    assert birthday["enabled"] is False and birthday["rule"] == "care.birthday"
    assert birthday["timing_fields"] == ["days"] and birthday["days"] == 0
    assert set(birthday["body"]) == {"zh-hans", "en"} and birthday["updated_at"] is None


def test_a_storefront_key_may_not_read_care_rules(api):
    assert api.get(api_url("care-rules")).status_code == 403


def test_change_a_rule_and_read_it_back(admin_api, shop):
    changes = {
        "enabled": True,
        "days": 3,
        "channels": ["sms", "email"],
        "body": {"zh-hans": "{customer_name}生日快乐", "en": "Happy birthday {customer_name}"},
    }
    response = admin_api.patch(api_url("care-rule-detail", kind="birthday"), changes, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["enabled"] is True and response.json()["days"] == 3
    assert admin_api.get(api_url("care-rule-detail", kind="birthday")).json()["channels"] == ["sms", "email"]
    with shop_scope(shop.pk):
        assert AuditEvent.objects.filter(action="campaigns.care_rule.update").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"days": -1}, "days"),
        ({"days": "soon"}, "days"),
        ({"gap_multiple": "2.5"}, "gap_multiple"),
        ({"channels": ["fax"]}, "channels.0"),
        ({"channels": []}, "channels"),
        ({"body": {"zh-hans": "您好{customer_phone}", "en": "Hi"}}, "body"),
        ({"body": {"zh-hans": "", "en": "Hi"}}, "body"),
        ({"body": {"fr": "Bonjour"}}, "body"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_changes_name_the_field_and_change_nothing(admin_api, shop, changes, field):
    before = stored_rules(shop)
    response = admin_api.patch(api_url("care-rule-detail", kind="birthday"), changes, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert stored_rules(shop) == before


def test_an_unknown_kind_is_a_404(admin_api):
    assert admin_api.get(api_url("care-rule-detail", kind="anniversary")).status_code == 404
    assert admin_api.patch(api_url("care-rule-detail", kind="anniversary"), {}, format="json").status_code == 404


def test_agents_read_managers_change(client, shop):
    agent = make_user("agent@tea.example", Role.AGENT, shop)
    client.force_login(agent)
    assert client.get(staff_url("care-rules", shop)).status_code == 200
    url = staff_url("care-rule-detail", shop, kind="birthday")
    assert client.patch(url, {"enabled": True}, content_type="application/json").status_code == 403
    manager = make_user("manager@tea.example", Role.MANAGER, shop)
    client.force_login(manager)
    assert client.patch(url, {"enabled": True}, content_type="application/json").status_code == 200


@pytest.mark.parametrize("method", ["get", "patch"])
def test_another_shops_rules_cannot_be_read_or_changed(client, shop, other_shop, owner, method):
    with shop_scope(other_shop.pk):
        CareRule.objects.create(shop=other_shop, kind="birthday", channels=["sms"], body={"zh-hans": "x", "en": "x"})
    before = stored_rules(other_shop)
    client.force_login(owner)
    for url in (staff_url("care-rules", other_shop), staff_url("care-rule-detail", other_shop, kind="birthday")):
        response = getattr(client, method)(url, {"enabled": True}, content_type="application/json")
        assert response.status_code == 404
    missing = client.get(staff_url("care-rule-detail", shop, kind="anniversary"))
    foreign = client.get(staff_url("care-rule-detail", other_shop, kind="birthday"))
    assert foreign.status_code == missing.status_code == 404 and foreign.json() == missing.json()
    assert stored_rules(other_shop) == before


def test_a_key_changes_its_own_shop_only(admin_api, shop, other_shop):
    admin_api.patch(api_url("care-rule-detail", kind="win_back"), {"enabled": True}, format="json")
    assert stored_rules(other_shop) == []
    assert [kind for kind, *_ in stored_rules(shop)] == ["win_back"]
