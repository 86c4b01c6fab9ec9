"""The care pages: the rules with their switches, the editor with its preview, a rule's log."""

import datetime

import pytest
from django.urls import reverse

from campaigns.models import CareRule
from campaigns.services.care_messages import care_round_run
from campaigns.services.care_rules import care_rule_update
from crm.models import Role
from crm.tenancy.context import shop_scope
from tests.conftest import make_user
from tests.customers.factories import CustomerFactory
from tests.messaging.conftest import ALL_CONSENTS, consent_grant

pytestmark = pytest.mark.django_db


def page(name: str, shop, **kwargs) -> str:
    return reverse(f"campaigns:{name}", kwargs={"shop_slug": shop.slug, **kwargs})


def enabled(shop) -> list[str]:
    with shop_scope(shop.pk):
        return list(CareRule.objects.filter(is_enabled=True).values_list("kind", flat=True))


def test_the_rules_page_lists_every_kind_in_chinese(staff_client, shop):
    staff_client.cookies["django_language"] = "zh-hans"
    response = staff_client.get(page("care-rules", shop), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    text = response.content.decode()
    assert "关怀消息" in text and "生日" in text and text.count('id="rule-') == 11


def test_a_manager_turns_a_rule_on_and_off(client, shop):
    client.force_login(make_user("manager@tea.example", Role.MANAGER, shop))
    assert client.post(page("care-rule-toggle", shop, kind="birthday")).status_code == 302
    assert enabled(shop) == ["birthday"]
    client.post(page("care-rule-toggle", shop, kind="birthday"))
    assert enabled(shop) == []


def test_agents_see_the_rules_but_cannot_change_them(client, shop):
    client.force_login(make_user("agent@tea.example", Role.AGENT, shop))
    assert client.get(page("care-rules", shop)).status_code == 200
    assert client.post(page("care-rule-toggle", shop, kind="birthday")).status_code == 403
    assert client.get(page("care-rule-edit", shop, kind="birthday")).status_code == 403
    assert enabled(shop) == []


def edit_form(**changes) -> dict:
    form = {
        "is_enabled": "on", "channels": ["sms"], "days": "2", "subject_zh_hans": "", "subject_en": "",
        "body_zh_hans": "{customer_name}，生日快乐", "body_en": "Happy birthday, {customer_name}",
    }  # fmt: skip
    return {**form, **changes}


def test_the_editor_saves_timing_and_texts(staff_client, shop):
    response = staff_client.post(page("care-rule-edit", shop, kind="birthday"), edit_form())
    assert response.status_code == 302
    with shop_scope(shop.pk):
        rule = CareRule.objects.get(kind="birthday")
    assert (rule.is_enabled, rule.days, rule.body["zh-hans"]) == (True, 2, "{customer_name}，生日快乐")


def test_the_editor_refuses_an_unknown_placeholder_and_saves_nothing(staff_client, shop):
    response = staff_client.post(page("care-rule-edit", shop, kind="birthday"), edit_form(body_en="Hi {phone}"))
    assert response.status_code == 400 and "{phone}" in response.content.decode()
    assert enabled(shop) == []


def test_the_editor_shows_only_the_kinds_timing_fields(staff_client, shop):
    text = staff_client.get(page("care-rule-edit", shop, kind="order_paid")).content.decode()
    assert 'name="days"' not in text and 'name="body_zh_hans"' in text
    text = staff_client.get(page("care-rule-edit", shop, kind="win_back")).content.decode()
    assert 'name="days"' in text and 'name="gap_multiple"' in text


def test_preview_renders_a_real_customers_message(staff_client, shop):
    with shop_scope(shop.pk):
        CustomerFactory(shop=shop, name="王芳", phone="+8613800138000")
    url = page("care-rule-edit", shop, kind="birthday")
    text = staff_client.get(url, {"q": "王芳", "channel": "sms"}).content.decode()
    assert "【Tea House】亲爱的王芳，Tea House祝您生日快乐！ 拒收请回复R" in text
    assert "1 SMS" in text or "1 条短信" in text
    missing = staff_client.get(url, {"q": "nobody-like-this", "channel": "sms"}).content.decode()
    assert "No customer matches." in missing


def test_the_log_shows_the_rules_messages_and_statistics(staff_client, shop, sms_outbox):
    with shop_scope(shop.pk):
        care_rule_update(shop=shop, kind="birthday", changes={"is_enabled": True})
        for phone, consents in (("+8613800138001", ALL_CONSENTS), ("+8613800138002", ())):
            customer = CustomerFactory(shop=shop, phone=phone, birthday=datetime.date(1990, 10, 10))
            consent_grant(shop, customer, *consents)
    at = datetime.datetime(2026, 10, 10, 9, tzinfo=shop.tzinfo)
    care_round_run(shop=shop, at=at)
    response = staff_client.get(page("care-rule-log", shop, kind="birthday"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "No consent for this channel and purpose" in text and text.count("<tr>") == 3


@pytest.mark.parametrize("name", ["care-rule-edit", "care-rule-log", "care-rule-toggle"])
def test_another_shops_pages_are_404_and_change_nothing(staff_client, shop, other_shop, name):
    method = staff_client.post if name == "care-rule-toggle" else staff_client.get
    assert method(page(name, other_shop, kind="birthday")).status_code == 404
    assert method(page(name, shop, kind="anniversary")).status_code == 404
    assert enabled(other_shop) == []
