"""Staff pages: the message log with statistics and resend, the settings page, the 360
timeline, and what messaging adds to export, erasure, merge and the demo shop."""

import datetime

import pytest
from django.urls import reverse

from crm.tenancy.context import shop_scope
from customers.services.merge import customer_merge
from customers.services.privacy import customer_erase, customer_export
from messaging.demo import PLAN, demo_messages_seed
from messaging.models import Channel, Message, MessageStatus, MessagingSettings, Purpose
from messaging.services.outbox import message_enqueue
from tests.conftest import make_user
from tests.customers.factories import CustomerFactory


def make(shop, customer, *, occasion="o1", status=MessageStatus.QUEUED, reason="", rule="care.birthday", clicks=0):
    with shop_scope(shop.pk):
        message = message_enqueue(shop=shop, customer=customer, rule=rule, occasion=occasion, channel=Channel.SMS,
                                  purpose=Purpose.CARE, body="生日快乐{customer_name}")  # fmt: skip
        sent_copy = {"recipient": "+8613800138000", "rendered_body": "生日快乐王芳"}
        Message.objects.filter(pk=message.pk).update(status=status, reason=reason, clicks=clicks, **sent_copy)
        return Message.objects.get(pk=message.pk)


def log_url(shop):
    return reverse("messaging:log", kwargs={"shop_slug": shop.slug})


def test_log_shows_messages_and_delivery_statistics_per_rule(staff_client, shop, customer):
    make(shop, customer, status=MessageStatus.SENT, clicks=3)
    make(shop, customer, occasion="o2", status=MessageStatus.SKIPPED, reason="no_consent")
    make(shop, customer, occasion="o3", status=MessageStatus.SKIPPED, reason="frequency_cap", rule="campaigns.coupon")
    page = staff_client.get(log_url(shop))
    assert page.status_code == 200
    stats = {entry["rule"]: entry for entry in page.context["stats"]}
    assert (stats["care.birthday"]["sent"], stats["care.birthday"]["clicks"]) == (1, 3)
    assert stats["care.birthday"]["skipped"] == {"no_consent": 1}
    assert stats["campaigns.coupon"]["skipped"] == {"frequency_cap": 1}
    html = page.content.decode()
    assert "No consent for this channel and purpose" in html and "care.birthday" in html
    filtered = staff_client.get(log_url(shop), {"rule": "coupon"})
    assert [message.rule for message in filtered.context["messages_page"]] == ["campaigns.coupon"]
    assert staff_client.get(log_url(shop), {"status": "nope"}).context["error"] == "status"


def test_log_pages_by_fifty(staff_client, shop, customer):
    for number in range(55):
        make(shop, customer, occasion=str(number))
    first = staff_client.get(log_url(shop))
    assert len(first.context["messages_page"]) == 50 and first.context["next_url"]
    second = staff_client.get(log_url(shop) + first.context["next_url"])
    assert len(second.context["messages_page"]) == 5 and second.context["next_url"] is None


def test_manager_resends_from_the_log_and_an_agent_cannot(client, shop, customer, manager, agent):
    message = make(shop, customer, status=MessageStatus.UNKNOWN, reason="sender_stopped")
    resend = reverse("messaging:resend", kwargs={"shop_slug": shop.slug, "message_id": message.pk})
    client.force_login(agent)
    assert client.post(resend).status_code == 403
    client.force_login(manager)
    assert client.post(resend).status_code == 302
    with shop_scope(shop.pk):
        assert Message.objects.get(pk=message.pk).status == MessageStatus.QUEUED


def test_another_shops_message_cannot_be_resent_from_the_page(client, shop, customer, other_shop):
    message = make(shop, customer, status=MessageStatus.FAILED, reason="x")
    client.force_login(make_user("owner@bike.example"))
    resend = reverse("messaging:resend", kwargs={"shop_slug": other_shop.slug, "message_id": message.pk})
    assert client.post(resend).status_code == 404
    assert client.get(log_url(shop)).status_code == 404
    assert client.get(reverse("messaging:settings", kwargs={"shop_slug": shop.slug})).status_code == 404
    assert client.post(reverse("messaging:settings", kwargs={"shop_slug": shop.slug}),
                       {"sms_signature": "别家"}).status_code == 404  # fmt: skip
    with shop_scope(shop.pk):
        assert Message.objects.get(pk=message.pk).status == MessageStatus.FAILED
        assert not MessagingSettings.objects.exists()


def test_settings_page_saves_valid_settings_for_managers_only(client, shop, manager, agent):
    url = reverse("messaging:settings", kwargs={"shop_slug": shop.slug})
    client.force_login(agent)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    page = client.get(url)
    assert page.status_code == 200 and f"/hooks/sms/{shop.pk}/" in page.content.decode()
    values = {"sms_signature": "【茶馆】", "send_window_start": "09:00", "send_window_end": "21:00",
              "email_cap_hours": 16, "sms_cap_hours": 48, "order_url_template": "https://tea.example/o/{order_number}",
              "coupon_url_template": ""}  # fmt: skip
    assert client.post(url, values).status_code == 302
    with shop_scope(shop.pk):
        saved = MessagingSettings.objects.get()
    assert (saved.sms_signature, saved.send_window_start, saved.sms_cap_hours) == ("茶馆", datetime.time(9), 48)
    bad = client.post(url, {**values, "sms_signature": "x", "sms_cap_hours": 1000,
                            "order_url_template": "https://tea.example/{password}"})  # fmt: skip
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"sms_signature", "sms_cap_hours", "order_url_template"}


def test_customer_page_shows_the_message_timeline(staff_client, shop, customer):
    make(shop, customer, status=MessageStatus.SENT)
    page = staff_client.get(reverse("customers:detail", kwargs={"shop_slug": shop.slug, "customer_id": customer.pk}))
    html = page.content.decode()
    assert 'id="messages"' in html and "care.birthday" in html


def test_export_has_the_messages_and_erasure_blanks_them(shop, customer):
    sent = make(shop, customer, status=MessageStatus.SENT)
    queued = make(shop, customer, occasion="o2")
    with shop_scope(shop.pk):
        exported = customer_export(shop=shop, customer=customer)
        assert [row["rendered_body"] for row in exported["messages"]] == ["生日快乐王芳", "生日快乐王芳"]
        customer_erase(shop=shop, customer=customer)
        blanked = Message.objects.get(pk=sent.pk)
        cancelled = Message.objects.get(pk=queued.pk)
    assert (blanked.recipient, blanked.rendered_body, blanked.body, blanked.status) == ("", "", {}, "sent")
    assert (cancelled.status, cancelled.reason) == (MessageStatus.SKIPPED, "erased")


def test_merge_moves_messages_and_keeps_clashing_ones(shop, customer):
    with shop_scope(shop.pk):
        duplicate = CustomerFactory(shop=shop)
    make(shop, customer, status=MessageStatus.SENT)
    clash = make(shop, duplicate, status=MessageStatus.SENT)
    other = make(shop, duplicate, occasion="o2")
    with shop_scope(shop.pk):
        customer_merge(shop=shop, survivor=customer, duplicate=duplicate)
        moved = {message.pk: message.occasion for message in Message.objects.filter(customer=customer)}
    assert moved[clash.pk] == f"o1~merged:{duplicate.pk}" and moved[other.pk] == "o2" and len(moved) == 3


@pytest.mark.django_db
def test_demo_seed_writes_every_state_once(shop):
    with shop_scope(shop.pk):
        for number in range(len(PLAN)):
            CustomerFactory(shop=shop, orders_count=1, name=f"演示{number}")
        demo_messages_seed(shop=shop)
        demo_messages_seed(shop=shop)
        states = set(Message.objects.values_list("status", flat=True))
        assert Message.objects.count() == len(PLAN)
    assert states == set(MessageStatus.values)


def test_staff_choose_the_language_of_a_customers_messages(staff_client, admin_api, shop, customer):
    edit = reverse("customers:edit", kwargs={"shop_slug": shop.slug, "customer_id": customer.pk})
    profile = {"name": "王芳", "phone": "+8613800138000", "email": "wf@example.com", "gender": "unknown",
               "language": "en"}  # fmt: skip
    assert staff_client.post(edit, profile).status_code == 302
    with shop_scope(shop.pk):
        customer.refresh_from_db()
    assert customer.language == "en"
    api_url = reverse("api:customer-detail", kwargs={"customer_id": customer.pk})
    assert admin_api.patch(api_url, {"language": ""}, format="json").json()["language"] == ""
    assert admin_api.patch(api_url, {"language": "fr"}, format="json").status_code == 400
