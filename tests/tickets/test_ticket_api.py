"""The tickets API: the contract's create, read, list, reply, transition and assign."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from crm.models import AuditEvent
from crm.tenancy.context import shop_scope
from customers.models import Customer
from tests.orders.payloads import order_payload
from tests.tickets.conftest import open_ticket
from tests.tickets.payloads import ticket_payload
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_storefront_opens_a_ticket_with_the_contract_fields(api, shop):
    response = api.post("/api/v1/tickets/", ticket_payload(channel="marketplace", description="再不处理就给差评"),
                        format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "new"
    assert body["severity"] == 2
    assert body["severity_reasons"] == ["channel:marketplace", "cue:差评"]
    assert body["number"] == 1
    opened = datetime.fromisoformat(body["opened_at"])
    assert datetime.fromisoformat(body["first_reply_due_at"]) > opened
    assert datetime.fromisoformat(body["resolution_due_at"]) > datetime.fromisoformat(body["first_reply_due_at"])
    assert body["first_reply_due_at"][-6] in "+-"  # an offset, not a bare time


def test_the_customer_is_matched_as_an_orders_customer_is(api, shop):
    assert api.post("/api/v1/orders/", order_payload("A1"), format="json").status_code == 201
    response = api.post("/api/v1/tickets/", ticket_payload(customer={"phone": "138 0013 8000"},
                                                           order_external_id="A1"), format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    with shop_scope(shop.pk):
        assert Customer.objects.count() == 1
        ticket = Ticket.objects.get()
        assert ticket.order.external_id == "A1"
        assert ticket.customer.phone == "+8613800138000"


def test_a_new_customer_is_created_and_numbers_count_up(api, shop):
    for index in range(2):
        assert api.post("/api/v1/tickets/", ticket_payload(customer={"email": f"n{index}@x.example"}),
                        format="json").status_code == 201  # fmt: skip
    with shop_scope(shop.pk):
        assert sorted(Ticket.objects.values_list("number", flat=True)) == [1, 2]
        assert Customer.objects.count() == 2


def test_imported_complaint_keeps_its_time_and_starts_its_clock_there(api):
    opened = (timezone.now() - timedelta(hours=3)).replace(microsecond=0)
    body = api.post("/api/v1/tickets/", ticket_payload(opened_at=opened.isoformat()), format="json").json()
    assert datetime.fromisoformat(body["opened_at"]) == opened
    assert datetime.fromisoformat(body["first_reply_due_at"]) - opened < timedelta(days=1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"opened_at": (timezone.now() + timedelta(hours=2)).isoformat()}, "opened_at"),
        ({"opened_at": "yesterday"}, "opened_at"),
        ({"category": "nonsense"}, "category"),
        ({"channel": "pigeon"}, "channel"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"customer": {"name": "nobody"}}, "customer"),
        ({"customer": {"phone": "12"}}, "customer.phone"),
        ({"order_external_id": "missing"}, "order_external_id"),
        ({"severity": 1, "severity_reason": "VIP"}, "severity"),
        ({"subject": "bad\x00text"}, "subject"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(api, shop, changes, field):
    response = api.post("/api/v1/tickets/", ticket_payload(**changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"], response.json()
    with shop_scope(shop.pk):
        assert not Ticket.objects.exists()
        assert not Customer.objects.exists()


def test_staff_and_admin_keys_may_set_the_severity_with_a_reason(admin_api, shop):
    response = admin_api.post("/api/v1/tickets/", ticket_payload(severity=1, severity_reason="VIP 客户"),
                              format="json")  # fmt: skip
    assert response.status_code == 201
    assert response.json()["severity"] == 1
    assert response.json()["severity_reason"] == "VIP 客户"
    missing_reason = admin_api.post("/api/v1/tickets/", ticket_payload(severity=1), format="json")
    assert "severity_reason" in missing_reason.json()["fields"]


def test_severity_change_later_is_audited_and_refused_to_storefront_keys(api, admin_api, shop, ticket):
    refused = api.post(f"/api/v1/tickets/{ticket.pk}/severity/", {"severity": 1, "reason": "x"}, format="json")
    assert refused.status_code == 403
    response = admin_api.post(f"/api/v1/tickets/{ticket.pk}/severity/", {"severity": 1, "reason": "媒体关注"},
                              format="json")  # fmt: skip
    assert response.json()["severity"] == 1
    with shop_scope(shop.pk):
        event = AuditEvent.objects.get(action="ticket.severity")
        assert event.changes == {"severity": [ticket.severity, 1], "reason": "媒体关注"}


def test_list_filters(api, shop):
    first = open_ticket(shop, description="律师函，假货，媒体曝光", channel="social")
    second = open_ticket(shop)
    listed = api.get("/api/v1/tickets/").json()["results"]
    assert [row["id"] for row in listed] == [first.pk, second.pk]  # the soonest due first
    assert [row["id"] for row in api.get("/api/v1/tickets/?severity=1").json()["results"]] == [first.pk]
    assert api.get("/api/v1/tickets/?status=open").json()["results"] == []
    assert len(api.get(f"/api/v1/tickets/?customer={second.customer_id}").json()["results"]) == 2
    assert api.get("/api/v1/tickets/?assignee=none").json()["results"][0]["assignee"] is None
    assert api.get("/api/v1/tickets/?breaching=true").json()["results"] == []
    assert len(api.get("/api/v1/tickets/?breaching=false").json()["results"]) == 2
    assert api.get("/api/v1/tickets/?severity=9").status_code == 400


def test_breaching_lists_tickets_past_or_within_their_severitys_warning_of_a_due_time(api, shop):
    late = open_ticket(shop, opened_at=(timezone.now() - timedelta(days=3)).isoformat())
    # severity 1: first reply due in 30 minutes, warned 10 minutes before
    close = open_ticket(shop, customer={"email": "c@x.example"}, severity=1, severity_reason="VIP",
                        opened_at=(timezone.now() - timedelta(minutes=25)).isoformat())  # fmt: skip
    open_ticket(shop, customer={"email": "d@x.example"}, severity=1, severity_reason="VIP")
    breaching = [row["id"] for row in api.get("/api/v1/tickets/?breaching=true").json()["results"]]
    assert breaching == [late.pk, close.pk]


def test_list_pages_by_cursor(api, shop):
    ids = [open_ticket(shop, customer={"email": f"p{n}@x.example"}).pk for n in range(5)]
    page = api.get("/api/v1/tickets/?page_size=2").json()
    seen = [row["id"] for row in page["results"]]
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]
    assert sorted(seen) == sorted(ids)
    assert api.get("/api/v1/tickets/?cursor=garbage").status_code == 400


def test_reply_transition_assign(shop, owner, agent, ticket, client):
    client.force_login(owner)
    base = f"/api/v1/s/{shop.slug}/tickets/{ticket.pk}"
    reply = client.post(f"{base}/replies/", {"body": "您好，我们马上处理", "is_public": True},
                        content_type="application/json")  # fmt: skip
    assert reply.status_code == 201 and reply.json()["kind"] == "reply"
    note = client.post(f"{base}/replies/", {"body": "内部备注", "is_public": False}, content_type="application/json")
    assert note.json()["kind"] == "note"
    detail = client.get(f"{base}/").json()
    assert detail["status"] == "open"  # the first reply opened it
    assert detail["first_replied_at"] is not None
    assert [message["kind"] for message in detail["messages"]] == ["reply", "note"]
    assigned = client.post(f"{base}/assign/", {"assignee": agent.pk}, content_type="application/json")
    assert assigned.json()["assignee"] == agent.pk
    moved = client.post(f"{base}/transition/", {"to": "resolved"}, content_type="application/json")
    assert moved.json()["status"] == "resolved"
    refused = client.post(f"{base}/transition/", {"to": "waiting"}, content_type="application/json")
    assert refused.status_code == 409
    assert "Resolved" in refused.json()["detail"] and "Open, Closed" in refused.json()["detail"]


def test_storefront_reply_is_the_customers_message_and_reopens_a_waiting_ticket(api, shop, ticket):
    with shop_scope(shop.pk):
        from tickets.services import ticket_transition

        ticket_transition(shop=shop, ticket_id=ticket.pk, target="waiting")
    response = api.post(f"/api/v1/tickets/{ticket.pk}/replies/", {"body": "还是漏水"}, format="json")
    assert response.json()["kind"] == "customer"
    detail = api.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert detail["status"] == "open"
    assert detail["next_reply_due_at"] is not None


def test_assign_to_a_non_member_is_refused(admin_api, other_shop, ticket):
    from tests.conftest import make_user

    stranger = make_user("stranger@bike.example", "agent", other_shop)
    response = admin_api.post(f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": stranger.pk}, format="json")
    assert response.status_code == 400 and "assignee" in response.json()["fields"]


def test_the_list_costs_the_same_queries_for_one_ticket_or_many(api, shop, django_assert_max_num_queries):
    api.post("/api/v1/orders/", order_payload("Q1"), format="json")
    open_ticket(shop, order_external_id="Q1", customer={"external_id": "U77"})
    with django_assert_max_num_queries(12) as one:
        api.get("/api/v1/tickets/")
    for n in range(8):
        open_ticket(shop, customer={"email": f"q{n}@x.example"})
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(api.get("/api/v1/tickets/").json()["results"]) == 9
