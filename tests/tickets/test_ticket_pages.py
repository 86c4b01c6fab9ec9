"""The ticket pages: queue views and filters, opening a ticket from the queue, a customer and
an order, the ticket page's actions, settings, the customer 360 section, the overview."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crm.models import AuditEvent
from crm.tenancy.context import shop_scope
from messaging.models import Message
from tests.orders.payloads import order_payload
from tests.tickets.conftest import open_ticket
from tickets.models import Compensation, Macro, Ticket, TicketAttachment, TicketCategory, TicketSettings
from tickets.overview import overview_open_tickets, overview_ticket_attention

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _url(shop, suffix=""):
    return f"/s/{shop.slug}/tickets/{suffix}"


@pytest.mark.parametrize("view", ["mine", "unassigned", "team", "breaching_soon", "breached", "follow_up", "closed"])
def test_queue_views_render(staff_client, shop, ticket, view):
    response = staff_client.get(_url(shop), {"view": view})
    assert response.status_code == 200
    assert (ticket.subject in response.content.decode()) == (view in ("unassigned", "team"))


def test_queue_filters_and_bad_filters(staff_client, shop, ticket):
    assert ticket.subject in staff_client.get(_url(shop), {"view": "team", "q": str(ticket.number)}).content.decode()
    assert ticket.subject not in staff_client.get(_url(shop), {"view": "team", "severity": "1"}).content.decode()
    page = staff_client.get(_url(shop), {"view": "team", "severity": "x"})
    assert page.status_code == 200 and "not valid" in page.content.decode()


def test_queue_shows_the_handover_note(staff_client, shop, owner, ticket):
    staff_client.post(_url(shop, f"{ticket.pk}/handover/"), {"note": "客户下午三点回电"})
    assert "客户下午三点回电" in staff_client.get(_url(shop), {"view": "team"}).content.decode()


def test_open_a_ticket_from_the_queue_form(staff_client, shop):
    response = staff_client.post(_url(shop, "new/"), {
        "customer_phone": "13800138001", "customer_name": "李雷", "channel": "phone", "category": "delivery",
        "subject": "快递没到", "description": "说好今天到", "severity": "", "request_kind": "",
    })  # fmt: skip
    assert response.status_code == 302
    with shop_scope(shop.pk):
        ticket = Ticket.objects.select_related("customer", "category").get()
    assert ticket.customer.phone == "+8613800138001" and ticket.category.code == "delivery"


def test_open_a_ticket_from_an_order_page_with_a_photo(staff_client, shop, api):
    api.post("/api/v1/orders/", order_payload("A9"), format="json")
    order_page = staff_client.get(f"/s/{shop.slug}/orders/A9/").content.decode()
    assert f"/s/{shop.slug}/tickets/new/?order=A9" in order_page
    form = staff_client.get(_url(shop, "new/"), {"order": "A9"})
    assert form.status_code == 200 and "A9" in form.content.decode()
    photo = SimpleUploadedFile("cup.png", PNG, content_type="image/png")
    response = staff_client.post(_url(shop, "new/"), {
        "order": "A9", "order_external_id": "A9", "channel": "chat", "category": "quality", "subject": "漏水",
        "files": photo,
    })  # fmt: skip
    assert response.status_code == 302
    with shop_scope(shop.pk):
        ticket = Ticket.objects.get()
        assert ticket.order.external_id == "A9"
        assert TicketAttachment.objects.get(ticket=ticket).content_type == "image/png"


def test_a_bad_form_names_the_fields_and_opens_nothing(staff_client, shop):
    response = staff_client.post(_url(shop, "new/"), {"channel": "phone", "category": "quality", "subject": "x",
                                                      "customer_phone": "12"})  # fmt: skip
    assert response.status_code == 400
    with shop_scope(shop.pk):
        assert not Ticket.objects.exists()


def test_ticket_page_reply_note_resolve(staff_client, shop, ticket):
    page = staff_client.get(_url(shop, f"{ticket.pk}/"))
    assert page.status_code == 200
    assert "Storefront form" in page.content.decode() or "form" in page.content.decode()
    staff_client.post(_url(shop, f"{ticket.pk}/reply/"), {"body": "您好，马上处理", "is_public": "on"})
    staff_client.post(_url(shop, f"{ticket.pk}/reply/"), {"body": "仓库查一下"})
    staff_client.post(_url(shop, f"{ticket.pk}/transition/"), {"to": "resolved"})
    with shop_scope(shop.pk):
        ticket.refresh_from_db()
        assert ticket.status == "resolved"
        assert list(ticket.messages.order_by("pk").values_list("kind", flat=True)) == ["reply", "note"]
        reply = Message.objects.get(rule="tickets.reply")
        assert reply.occasion == str(ticket.messages.order_by("pk").first().pk)
    assert reply.purpose == "service" and reply.body == "您好，马上处理"


def test_a_reply_with_braces_is_sent_as_written(staff_client, shop, ticket):
    staff_client.post(_url(shop, f"{ticket.pk}/reply/"), {"body": "优惠码 {VIP}", "is_public": "on"})
    with shop_scope(shop.pk):
        assert Message.objects.get(rule="tickets.reply").body == "优惠码 {{VIP}}"


def test_a_macro_fills_the_reply_sets_fields_and_proposes_compensation(staff_client, shop, owner, ticket):
    with shop_scope(shop.pk):
        macro = Macro.objects.create(shop=shop, name="apology", body="{customer_name}您好，补偿{amount}元",
                                     set_status="waiting", compensation_kind="apology")  # fmt: skip
    page = staff_client.get(_url(shop, f"{ticket.pk}/"), {"macro": macro.pk}).content.decode()
    assert "王芳您好" in page and "The macro proposes this compensation" in page
    staff_client.post(_url(shop, f"{ticket.pk}/reply/"), {"body": "王芳您好", "is_public": "on", "macro": macro.pk})
    with shop_scope(shop.pk):
        assert Ticket.objects.get(pk=ticket.pk).status == "waiting"


def test_assign_and_severity_from_the_page(staff_client, shop, agent, ticket):
    staff_client.post(_url(shop, f"{ticket.pk}/assign/"), {"assignee": agent.pk})
    staff_client.post(_url(shop, f"{ticket.pk}/severity/"), {"severity": "1", "reason": "媒体关注"})
    with shop_scope(shop.pk):
        ticket.refresh_from_db()
        assert (ticket.assignee_id, ticket.severity, ticket.severity_reason) == (agent.pk, 1, "媒体关注")
        assert AuditEvent.objects.filter(action="ticket.severity").exists()


def test_compensation_above_the_threshold_waits_for_a_manager(client, shop, agent, manager, ticket):
    client.force_login(agent)
    client.post(_url(shop, f"{ticket.pk}/compensation/"), {"kind": "replacement", "amount": "500.00", "note": ""})
    with shop_scope(shop.pk):
        compensation = Compensation.objects.get()
    assert compensation.status == "pending"
    refused = client.post(_url(shop, f"{ticket.pk}/compensation/decide/"), {"compensation_id": compensation.pk,
                                                                              "approve": "1"})  # fmt: skip
    assert refused.status_code == 403
    client.force_login(manager)
    client.post(_url(shop, f"{ticket.pk}/compensation/decide/"), {"compensation_id": compensation.pk, "approve": "1"})
    with shop_scope(shop.pk):
        assert Compensation.objects.get().status == "applied"


def test_a_refund_compensation_is_recorded_on_the_order(staff_client, shop, api):
    api.post("/api/v1/orders/", order_payload("A7"), format="json")
    ticket = open_ticket(shop, order_external_id="A7", customer={"external_id": "U77"})
    staff_client.post(_url(shop, f"{ticket.pk}/compensation/"), {"kind": "refund", "amount": "20.00", "note": ""})
    with shop_scope(shop.pk):
        compensation = Compensation.objects.get()
        assert compensation.status == "applied" and compensation.refund.amount == 20
        assert compensation.refund.order.external_id == "A7"


def test_compensation_may_not_ask_for_a_review_change(staff_client, shop, ticket):
    response = staff_client.post(_url(shop, f"{ticket.pk}/compensation/"),
                                 {"kind": "apology", "amount": "0", "note": "改成好评就返现"})  # fmt: skip
    assert response.status_code == 400 and "review" in response.content.decode()
    with shop_scope(shop.pk):
        assert not Compensation.objects.exists()


def test_attachments_are_type_checked_and_served_to_the_shop(staff_client, shop, ticket):
    staff_client.post(_url(shop, f"{ticket.pk}/attachments/"),
                      {"files": SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="image/png")})  # fmt: skip
    staff_client.post(_url(shop, f"{ticket.pk}/attachments/"), {"files": SimpleUploadedFile("a.png", PNG)})
    with shop_scope(shop.pk):
        attachment = TicketAttachment.objects.get()
    response = staff_client.get(_url(shop, f"{ticket.pk}/attachments/{attachment.pk}/"))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"


def test_settings_page_saves_settings_categories_and_macros(client, shop, manager, agent):
    client.force_login(agent)
    assert client.get(_url(shop, "settings/")).status_code == 403
    client.force_login(manager)
    assert client.get(_url(shop, "settings/")).status_code == 200
    values = {"auto_close_days": 7, "approval_threshold": "50.00", "approval_points": 500, "agent_open_cap": 10,
              "csat_delay_hours": 12, "csat_valid_days": 5, "follow_up_days": 3}  # fmt: skip
    client.post(_url(shop, "settings/"), {"part": "settings", **values})
    client.post(_url(shop, "settings/"), {"part": "category", "name": "包装破损", "is_active": "on"})
    bad = client.post(_url(shop, "settings/"), {"part": "macro", "name": "x", "body": "{nonsense}"})
    assert bad.status_code == 400 and "Unknown variables" in bad.content.decode()
    client.post(
        _url(shop, "settings/"), {"part": "macro", "name": "hi", "body": "{customer_name}您好", "is_active": "on"}
    )
    with shop_scope(shop.pk):
        settings = TicketSettings.objects.get()
        assert (settings.auto_close_days, settings.approval_threshold) == (7, 50)
        assert TicketCategory.objects.filter(name="包装破损").exists()
        assert Macro.objects.get().name == "hi"


def test_customer_360_lists_tickets_and_flags_the_open_complaint(staff_client, shop, ticket):
    page = staff_client.get(f"/s/{shop.slug}/customers/{ticket.customer_id}/").content.decode()
    assert ticket.subject in page and "churn risk: open complaint" in page
    api_body = staff_client.get(f"/api/v1/s/{shop.slug}/customers/{ticket.customer_id}/overview/").json()
    assert api_body["sections"]["tickets"][0]["id"] == ticket.pk


def test_overview_shows_open_tickets_and_breaching_ones(shop):
    open_ticket(
        shop, opened_at=(timezone.now() - timedelta(minutes=25)).isoformat(), severity=1, severity_reason="VIP"
    )  # first reply due in 5 minutes: inside severity 1's 10-minute warning
    open_ticket(shop, customer={"email": "late@x.example"}, opened_at=(timezone.now() - timedelta(days=3)).isoformat())
    with shop_scope(shop.pk):
        assert overview_open_tickets(shop) == {1: 1, 2: 0, 3: 0, 4: 1}
        [item] = overview_ticket_attention(shop)
    assert "about to breach" in item.text and item.is_urgent
    assert item.url == f"/s/{shop.slug}/tickets/?view=breaching_soon"
