"""The service hours and SLA page: managers edit both, with the API's validation."""

from datetime import date

import pytest

from crm.tenancy.context import shop_scope
from tickets.models import ServiceCalendar, SlaPolicy
from tickets.services.sla import service_calendar_get, sla_policies_get

pytestmark = pytest.mark.django_db
WEEK = {"mon": "09:00-12:00, 13:00-18:00", "tue": "09:00-18:00", "wed": "", "thu": "", "fri": "", "sat": "", "sun": ""}


def url(shop):
    return f"/s/{shop.slug}/tickets/service-hours/"


def sla_post(**changes):
    data = {"section": "sla"}
    for severity in (1, 2, 3, 4):
        data.update({f"{severity}-first_reply_minutes": 30, f"{severity}-next_reply_minutes": 60,
                     f"{severity}-resolution_minutes": 480, f"{severity}-warning_minutes": 15,
                     f"{severity}-business_hours": "on"})  # fmt: skip
    return {**data, **changes}


def test_manager_saves_the_calendar(client, shop, manager):
    client.force_login(manager)
    assert client.get(url(shop)).status_code == 200
    data = {"section": "calendar", **WEEK, "holidays": "2026-10-01, 2026-10-02", "workdays": "2026-10-10",
            "workday_periods": "09:00-18:00"}  # fmt: skip
    response = client.post(url(shop), data)
    assert response.status_code == 302
    with shop_scope(shop.pk):
        calendar = service_calendar_get(shop=shop)
    assert calendar.weekly[0] == ((540, 720), (780, 1080)) and calendar.weekly[2] == ()
    assert [day.isoformat() for day in sorted(calendar.holidays)] == ["2026-10-01", "2026-10-02"]
    page = client.get(url(shop)).content.decode()
    assert "09:00-12:00, 13:00-18:00" in page and "2026-10-10" in page


def test_bad_hours_are_shown_on_their_field_and_nothing_is_saved(client, shop, manager):
    client.force_login(manager)
    response = client.post(url(shop), {"section": "calendar", **WEEK, "tue": "18:00-09:00"})
    assert response.status_code == 400
    assert "The period ends before it starts." in response.content.decode()
    with shop_scope(shop.pk):
        assert not ServiceCalendar.objects.exists()


def test_manager_saves_the_sla_targets(client, shop, manager):
    client.force_login(manager)
    response = client.post(url(shop), sla_post(**{"4-business_hours": "", "1-first_reply_minutes": 20}))
    assert response.status_code == 302
    with shop_scope(shop.pk):
        policies = sla_policies_get(shop=shop)
    assert policies[1].first_reply_minutes == 20 and policies[4].business_hours is False
    response = client.post(url(shop), sla_post(**{"2-resolution_minutes": 0}))
    assert response.status_code == 400
    with shop_scope(shop.pk):
        assert SlaPolicy.objects.get(severity=2).resolution_minutes == 480


def test_agents_and_other_shops_are_refused(client, shop, other_shop, agent, manager):
    client.force_login(agent)
    assert client.get(url(shop)).status_code == 403
    client.force_login(manager)
    assert client.get(url(other_shop)).status_code == 404
    assert client.post(url(other_shop), sla_post()).status_code == 404
    with shop_scope(other_shop.pk):
        assert not SlaPolicy.objects.exists()


def test_china_official_days_are_added_and_stay_editable(client, shop, manager):
    client.force_login(manager)
    response = client.post(url(shop), {"section": "china", "year": "2026"})
    assert response.status_code == 302
    with shop_scope(shop.pk):
        calendar = service_calendar_get(shop=shop)
    assert date(2026, 10, 1) in calendar.holidays and date(2026, 2, 17) in calendar.holidays  # National Day, 春节
    assert date(2026, 10, 10) in calendar.workdays  # a Saturday worked for the National Day week
    assert client.post(url(shop), {"section": "china", "year": "1999"}).status_code == 302
    with shop_scope(shop.pk):
        assert service_calendar_get(shop=shop) == calendar
