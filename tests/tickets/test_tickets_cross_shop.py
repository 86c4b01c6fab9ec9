"""Shop A's credentials on shop B's ids: the same 404 as a missing id, and B unchanged. For
every API endpoint, every page action, the housekeeping task, the suppressor and attachments."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crm.models import AuditEvent
from crm.tenancy.context import shop_scope
from tests.tickets.conftest import open_ticket
from tickets.models import Compensation, CsatSurvey, Ticket, TicketAttachment
from tickets.selectors import open_severe_complaints
from tickets.services import attachment_add, compensation_request, ticket_transition
from tickets.tasks import tickets_housekeeping_task

pytestmark = pytest.mark.django_db
MISSING = 999_999

API_CALLS = [
    ("get", "/api/v1/tickets/{id}/", None),
    ("post", "/api/v1/tickets/{id}/replies/", {"body": "hi", "is_public": True}),
    ("post", "/api/v1/tickets/{id}/transition/", {"to": "resolved"}),
    ("post", "/api/v1/tickets/{id}/assign/", {}),
    ("post", "/api/v1/tickets/{id}/severity/", {"severity": 1, "reason": "x"}),
]


def _snapshot(shop):
    with shop_scope(shop.pk):
        return (
            list(Ticket.objects.order_by("pk").values("pk", "status", "severity", "assignee_id", "handover_note")),
            Compensation.objects.count(),
            TicketAttachment.objects.count(),
            list(Ticket.objects.values_list("messages__pk", flat=True)),
        )


@pytest.mark.parametrize(("method", "path", "body"), API_CALLS)
def test_api_on_another_shops_ticket_is_a_404_like_a_missing_one(admin_api, other_shop, other_ticket, method, path,
                                                                 body):  # fmt: skip
    before = _snapshot(other_shop)
    theirs = getattr(admin_api, method)(path.format(id=other_ticket.pk), body, format="json")
    missing = getattr(admin_api, method)(path.format(id=MISSING), body, format="json")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert _snapshot(other_shop) == before


def test_api_list_and_filters_show_only_the_shops_tickets(api, ticket, other_ticket):
    assert [row["id"] for row in api.get("/api/v1/tickets/").json()["results"]] == [ticket.pk]
    assert api.get(f"/api/v1/tickets/?customer={other_ticket.customer_id}").json()["results"] == []


def test_api_create_cannot_name_another_shops_order(api, other_api, other_shop):
    from tests.orders.payloads import order_payload

    assert other_api.post("/api/v1/orders/", order_payload("B-1"), format="json").status_code == 201
    response = api.post("/api/v1/tickets/", {"customer": {"phone": "13800138000"}, "channel": "form",
                                              "category": "quality", "subject": "x", "order_external_id": "B-1"},
                        format="json")  # fmt: skip
    assert response.status_code == 400 and "order_external_id" in response.json()["fields"]


def test_staff_session_naming_another_shop_is_a_404(staff_client, other_shop, other_ticket):
    assert staff_client.get(f"/api/v1/s/{other_shop.slug}/tickets/{other_ticket.pk}/").status_code == 404
    assert staff_client.get(f"/s/{other_shop.slug}/tickets/").status_code == 404


PAGE_POSTS = [
    ("reply/", {"body": "hi", "is_public": "on"}),
    ("transition/", {"to": "resolved"}),
    ("assign/", {"assignee": "auto"}),
    ("severity/", {"severity": "1", "reason": "x"}),
    ("handover/", {"note": "x"}),
    ("follow-up/", {}),
    ("compensation/", {"kind": "apology", "amount": "0"}),
    ("compensation/decide/", {"compensation_id": "1", "approve": "1"}),
]


@pytest.mark.parametrize(("suffix", "body"), PAGE_POSTS)
def test_page_actions_on_another_shops_ticket_are_404(staff_client, shop, other_shop, other_ticket, suffix, body):
    before = _snapshot(other_shop)
    theirs = staff_client.post(f"/s/{shop.slug}/tickets/{other_ticket.pk}/{suffix}", body)
    missing = staff_client.post(f"/s/{shop.slug}/tickets/{MISSING}/{suffix}", body)
    assert theirs.status_code == missing.status_code == 404
    assert _snapshot(other_shop) == before
    assert staff_client.get(f"/s/{shop.slug}/tickets/{other_ticket.pk}/").status_code == 404


def test_a_managers_decision_cannot_reach_another_shops_compensation(client, shop, manager, ticket, other_shop,
                                                                    other_ticket):  # fmt: skip
    with shop_scope(other_shop.pk):
        theirs = compensation_request(shop=other_shop, ticket=other_ticket, kind="apology", user=None)
    client.force_login(manager)
    response = client.post(f"/s/{shop.slug}/tickets/{ticket.pk}/compensation/decide/",
                            {"compensation_id": theirs.pk, "approve": "1"})  # fmt: skip
    assert response.status_code == 404


def test_new_ticket_page_cannot_open_for_another_shops_customer_or_order(staff_client, shop, other_ticket):
    assert staff_client.get(f"/s/{shop.slug}/tickets/new/?customer={other_ticket.customer_id}").status_code == 404
    response = staff_client.post(f"/s/{shop.slug}/tickets/new/", {
        "customer": other_ticket.customer_id, "channel": "phone", "category": "quality", "subject": "x"})  # fmt: skip
    assert response.status_code == 404


def test_attachments_are_stored_per_shop_and_never_served_to_another(staff_client, shop, other_shop, other_ticket):
    with shop_scope(other_shop.pk):
        attachment = attachment_add(shop=other_shop, ticket=other_ticket, user=None,
                                    upload=SimpleUploadedFile("b.pdf", b"%PDF-1.4 secret"))  # fmt: skip
    assert f"/{other_shop.pk}/tickets/" in attachment.storage_path
    url = f"/s/{shop.slug}/tickets/{other_ticket.pk}/attachments/{attachment.pk}/"
    assert staff_client.get(url).status_code == 404
    assert staff_client.get(f"/s/{other_shop.slug}/tickets/{other_ticket.pk}/attachments/{attachment.pk}/"
                            ).status_code == 404  # fmt: skip
    upload = staff_client.post(f"/s/{shop.slug}/tickets/{other_ticket.pk}/attachments/",
                               {"files": SimpleUploadedFile("a.pdf", b"%PDF-1.4")})  # fmt: skip
    assert upload.status_code == 404


def test_housekeeping_for_one_shop_leaves_the_other_alone(shop, other_shop, ticket, other_ticket):
    long_ago = timezone.now() - timedelta(days=10)
    for each_shop, each_ticket in ((shop, ticket), (other_shop, other_ticket)):
        with shop_scope(each_shop.pk):
            ticket_transition(shop=each_shop, ticket_id=each_ticket.pk, target="resolved")
            Ticket.objects.filter(pk=each_ticket.pk).update(resolved_at=long_ago)
            CsatSurvey.objects.filter(ticket=each_ticket).update(send_after=long_ago)
    assert tickets_housekeeping_task(shop.pk) == {"surveys": 1, "closed": 1}
    with shop_scope(other_shop.pk):
        assert Ticket.objects.get().status == "resolved"
        assert CsatSurvey.objects.get().sent_at is None
        assert not AuditEvent.objects.filter(action="ticket.transition", changes__status=["resolved", "closed"])


def test_the_suppressor_holds_only_the_shops_own_customers(shop, other_shop):
    mine = open_ticket(shop, description="假货，律师函，媒体曝光", channel="social")
    theirs = open_ticket(other_shop, description="假货，律师函，媒体曝光", channel="social")
    with shop_scope(shop.pk):
        held = open_severe_complaints(shop, [mine.customer_id, theirs.customer_id])
    assert list(held) == [mine.customer_id]


def test_erasing_a_customer_blanks_what_they_wrote_in_tickets_and_deletes_their_files(admin_api, shop, other_shop):
    mine, theirs = open_ticket(shop), open_ticket(other_shop)
    with shop_scope(shop.pk):
        attachment = attachment_add(shop=shop, ticket=mine, user=None, upload=SimpleUploadedFile("a.pdf", b"%PDF-1"))
    response = admin_api.post(f"/api/v1/customers/{mine.customer_id}/erase/", {"confirm": True}, format="json")
    assert response.status_code in (200, 204), response.content
    with shop_scope(shop.pk):
        erased = Ticket.objects.get(pk=mine.pk)
        assert (erased.subject, erased.description, erased.status) == ("", "", "new")
        assert not TicketAttachment.objects.exists()
    assert not Path(attachment.storage_path).exists()
    with shop_scope(other_shop.pk):
        assert Ticket.objects.get(pk=theirs.pk).subject == "杯子漏水"
