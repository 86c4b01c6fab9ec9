"""The reports on a hand-made shop whose answers are worked out by hand below."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crm.models import Role
from orders.services import order_upsert
from tests.conftest import make_user
from tests.orders.payloads import order_for_customer
from tests.tickets.sla.factories import CsatSurveyFactory, TicketCategoryFactory, TicketFactory
from tickets import reports
from tickets.services.sla import service_calendar_set, sla_on_open

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
SINCE, UNTIL, NOW = (datetime(2026, 10, 26, tzinfo=SHANGHAI), datetime(2026, 11, 9, tzinfo=SHANGHAI),
                     datetime(2026, 11, 7, 12, tzinfo=SHANGHAI))  # fmt: skip


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def order(shop, external_id, customer, placed_at, *categories):
    lines = [{"sku": f"SKU-{category}", "name": category, "category": category, "quantity": 1, "unit_price": "10.00"}
             for category in categories]  # fmt: skip
    total = f"{10 * len(categories)}.00"
    data = order_for_customer(external_id, customer, f"1380000{customer[-1]}000", placed_at=placed_at, lines=lines,
                              subtotal=total, total=total)  # fmt: skip
    return order_upsert(shop=shop, data=data)[0]


def ticket(shop, *, customer, category, severity, opened_at, order=None, replied=None, resolved=None, **fields):
    built = TicketFactory.build(shop=shop, customer=customer, order=order, severity=severity, opened_at=at(opened_at),
                                category=TicketCategoryFactory(shop=shop, code=category), **fields)  # fmt: skip
    sla_on_open(built)
    built.first_replied_at = replied and at(replied)
    built.resolved_at = resolved and at(resolved)
    built.save()
    return built


@pytest.fixture
def data(in_shop):
    shop = in_shop
    weekdays = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), [["09:00", "18:00"]])
    service_calendar_set(shop=shop, document={"weekly": weekdays})
    alice, bob = make_user("alice@tea.example", Role.AGENT, shop), make_user("bob@tea.example", Role.AGENT, shop)
    o1 = order(shop, "O1", "C1", "2026-10-27T10:00:00+08:00", "茶叶")
    o2 = order(shop, "O2", "C2", "2026-10-27T11:00:00+08:00", "茶叶", "茶具")
    o3 = order(shop, "O3", "C3", "2026-10-28T10:00:00+08:00", "茶具")
    order(shop, "O4", "C1", "2026-11-04T10:00:00+08:00", "茶叶")  # C1 buys again after complaining
    old = order(shop, "O0", "C2", "2026-09-27T10:00:00+08:00", "茶叶")  # before the period
    # Friday 17:00 -> Monday 10:00 is 2 business hours (the reply was due Monday 09:00: late);
    # resolved Monday 17:00: 1 + 8 = 9 business hours.
    t1 = ticket(
        shop,
        customer=o1.customer,
        order=o1,
        category="quality",
        severity=2,
        opened_at="2026-10-30 17:00",
        replied="2026-11-02 10:00",
        resolved="2026-11-02 17:00",
        status="resolved",
        assignee=alice,
    )
    # 24 minutes to reply (due in 30), resolved after 4 hours (due in 8): on time.
    t2 = ticket(
        shop,
        customer=o2.customer,
        order=o2,
        category="delivery",
        severity=1,
        opened_at="2026-11-03 09:00",
        replied="2026-11-03 09:24",
        resolved="2026-11-03 13:00",
        status="closed",
        assignee=bob,
    )
    # Open, never answered, its reply was due Thursday 11:00: breached.
    ticket(shop, customer=o3.customer, category="quality", severity=2, opened_at="2026-11-05 10:00", status="open")
    # Opened before the period: open now, not counted as opened.
    ticket(shop, customer=old.customer, order=old, category="price", severity=4, opened_at="2026-10-16 10:00")
    CsatSurveyFactory(shop=shop, ticket=t1, score=4)
    CsatSurveyFactory(shop=shop, ticket=t2, score=2)
    CsatSurveyFactory(shop=shop, ticket=t2, resolution=2, status="scheduled")
    return shop, alice, bob


def test_severity_table(data):
    shop, *_ = data
    rows = {row.severity: row for row in reports.severity_rows(shop=shop, since=SINCE, until=UNTIL, now=NOW)}
    assert (rows[1].open_now, rows[1].opened, rows[1].breached) == (0, 1, 0)
    assert (rows[1].first_reply.median_hours, rows[1].resolution.median_hours) == (0.4, 4.0)
    assert (rows[2].open_now, rows[2].opened, rows[2].breached, rows[2].breach_rate) == (1, 2, 2, 100.0)
    assert (rows[2].first_reply.count, rows[2].first_reply.median_hours, rows[2].resolution.p90_hours) == (1, 2.0, 9.0)
    assert (rows[4].open_now, rows[4].opened, rows[4].breach_rate) == (1, 0, None)
    total = rows[None]
    assert (total.open_now, total.opened, total.breached, total.breach_rate) == (2, 3, 2, 66.7)
    # first replies of 24 and 120 minutes: median 72 min, p90 24 + 0.9 × 96 = 110.4 min
    assert (total.first_reply.median_hours, total.first_reply.p90_hours) == (1.2, 1.8)


def test_categories_products_csat_and_repurchase(data):
    _shop, alice, bob = data
    assert [(category.code, count) for category, count in reports.top_categories(since=SINCE, until=UNTIL)] == [
        ("quality", 2), ("delivery", 1)
    ]  # fmt: skip
    assert reports.complaint_rate_by_product_category(since=SINCE, until=UNTIL) == [
        {"category": "茶叶", "orders": 3, "complained": 2, "rate": 66.7},
        {"category": "茶具", "orders": 2, "complained": 1, "rate": 50.0},
    ]
    by_agent = reports.csat_by(since=SINCE, until=UNTIL, group="agent")
    assert sorted((row["key"], row["answers"], row["average"]) for row in by_agent) == sorted(
        [(alice.pk, 1, 4.0), (bob.pk, 1, 2.0)]
    )
    assert reports.complainants_bought_again(since=SINCE, until=UNTIL) == {
        "customers": 3,
        "bought_again": 1,
        "rate": 33.3,
    }


def test_reports_page_for_managers_only_and_only_their_shop(data, client, other_shop, manager):
    shop, alice, _bob = data
    client.force_login(manager)
    page = client.get(f"/s/{shop.slug}/tickets/reports/?days=90", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "茶叶" in text and "66.7%" in text and alice.full_name in text
    assert client.get(f"/s/{other_shop.slug}/tickets/reports/").status_code == 404
    client.force_login(alice)
    assert client.get(f"/s/{shop.slug}/tickets/reports/").status_code == 403
