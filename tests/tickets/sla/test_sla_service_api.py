"""GET/PUT /api/v1/service/calendar/ and /api/v1/service/sla/: shapes, strict validation,
who may call them, audit, and shop isolation."""

import pytest
from rest_framework.test import APIClient

from crm.models import AuditEvent
from crm.tenancy.context import shop_scope
from tests.conftest import api_client_for
from tickets.models import ServiceCalendar, SlaPolicy

pytestmark = pytest.mark.django_db
OFFICE = [["09:00", "12:00"], ["13:00", "18:00"]]
CALENDAR = {
    "weekly": {"mon": OFFICE, "tue": OFFICE, "wed": OFFICE, "thu": OFFICE, "fri": OFFICE, "sat": [], "sun": []},
    "holidays": ["2026-10-01", "2026-10-02"],
    "workdays": ["2026-10-10"],
    "workday_periods": [["09:00", "18:00"]],
}


def sla_document(**changes):
    document = {
        str(severity): {"first_reply_minutes": 30 * severity, "next_reply_minutes": 60 * severity,
                        "resolution_minutes": 480 * severity, "business_hours": severity < 4}
        for severity in (1, 2, 3, 4)
    }  # fmt: skip
    document["1"].update(changes)
    return document


def test_calendar_defaults_to_round_the_clock_then_round_trips(admin_api, shop):
    body = admin_api.get("/api/v1/service/calendar/").json()
    assert body["weekly"] == {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert body["holidays"] == [] and body["workdays"] == []

    response = admin_api.put("/api/v1/service/calendar/", CALENDAR, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == CALENDAR
    assert admin_api.get("/api/v1/service/calendar/").json() == CALENDAR
    with shop_scope(shop.pk):
        event = AuditEvent.objects.get(action="service.calendar_set")
    assert event.changes["holidays"] == {"old": [], "new": ["2026-10-01", "2026-10-02"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weekly": {"mon": [["09:00", "25:00"]]}}, "weekly.mon[0]"),
        ({"weekly": {"mon": [["18:00", "09:00"]]}}, "weekly.mon[0]"),
        ({"weekly": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "weekly.mon"),
        ({"weekly": {"funday": []}}, "weekly.funday"),
        ({"holidays": ["2026-13-01"]}, "holidays[0]"),
        ({"workdays": ["2026-10-01"]}, "workdays"),
        ({"workday_periods": "all day"}, "workday_periods"),
        ({"timezone": "Asia/Shanghai"}, "timezone"),
    ],
)
def test_bad_calendar_is_refused_naming_the_field_and_nothing_changes(admin_api, shop, change, field):
    admin_api.put("/api/v1/service/calendar/", CALENDAR, format="json")
    response = admin_api.put("/api/v1/service/calendar/", {**CALENDAR, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert admin_api.get("/api/v1/service/calendar/").json() == CALENDAR


def test_sla_defaults_then_round_trips(admin_api, shop):
    body = admin_api.get("/api/v1/service/sla/").json()
    assert set(body) == {"1", "2", "3", "4"}
    assert body["1"] == {"first_reply_minutes": 30, "next_reply_minutes": 60, "resolution_minutes": 480,
                         "business_hours": True, "warning_minutes": 10}  # fmt: skip

    response = admin_api.put("/api/v1/service/sla/", sla_document(warning_minutes=5), format="json")
    assert response.status_code == 200, response.json()
    body = admin_api.get("/api/v1/service/sla/").json()
    assert body["1"]["warning_minutes"] == 5 and body["4"]["business_hours"] is False
    assert body["3"]["resolution_minutes"] == 1440
    with shop_scope(shop.pk):
        assert SlaPolicy.objects.count() == 4
        assert AuditEvent.objects.filter(action="service.sla_set").count() == 1


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({**sla_document(), "5": sla_document()["1"]}, "5"),
        ({key: value for key, value in sla_document().items() if key != "4"}, "4"),
        (sla_document(first_reply_minutes=0), "1.first_reply_minutes"),
        (sla_document(first_reply_minutes="30"), "1.first_reply_minutes"),
        (sla_document(resolution_minutes=12.5), "1.resolution_minutes"),
        (sla_document(business_hours="yes"), "1.business_hours"),
        (sla_document(warning_minutes=-1), "1.warning_minutes"),
        (sla_document(colour="red"), "1.colour"),
        ({**sla_document(), "2": [30, 60]}, "2"),
    ],
)
def test_bad_sla_is_refused_naming_the_field_and_nothing_changes(admin_api, shop, document, field):
    response = admin_api.put("/api/v1/service/sla/", document, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    with shop_scope(shop.pk):
        assert not SlaPolicy.objects.exists()
        assert not AuditEvent.objects.filter(action="service.sla_set").exists()


@pytest.mark.parametrize("path", ["/api/v1/service/calendar/", "/api/v1/service/sla/"])
def test_storefront_keys_and_agents_are_refused(api, agent, shop, path):
    assert api.get(path).status_code == 403
    assert api.put(path, {}, format="json").status_code == 403
    client = APIClient()
    client.force_login(agent)
    assert client.get(f"/api/v1/s/{shop.slug}{path.removeprefix('/api/v1')}").status_code == 403


@pytest.mark.parametrize(("path", "document"), [("service/calendar/", CALENDAR), ("service/sla/", sla_document())])
def test_another_shop_cannot_read_or_change_them(shop, other_shop, manager, path, document):
    other_admin = api_client_for(other_shop, "admin")
    assert other_admin.put(f"/api/v1/s/{shop.slug}/{path}", document, format="json").status_code == 404
    client = APIClient()
    client.force_login(manager)
    assert client.put(f"/api/v1/s/{other_shop.slug}/{path}", document, format="json").status_code == 404
    assert client.get(f"/api/v1/s/{other_shop.slug}/{path}").status_code == 404
    assert client.put(f"/api/v1/s/{shop.slug}/{path}", document, format="json").status_code == 200
    with shop_scope(other_shop.pk):
        assert not ServiceCalendar.objects.exists() and not SlaPolicy.objects.exists()
        assert not AuditEvent.objects.filter(action__startswith="service.").exists()
