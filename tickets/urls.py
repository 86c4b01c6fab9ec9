"""Staff pages (mounted under /s/<shop_slug>/) and API routes (mounted under /api/v1/ and
/api/v1/s/<shop_slug>/)."""

from django.urls import path

from tickets.api import service as service_api
from tickets.pages.reports import ReportsView
from tickets.pages.service import ServiceSettingsView

page_urlpatterns: list = [
    path("service-hours/", ServiceSettingsView.as_view(), name="service-hours"),
    path("reports/", ReportsView.as_view(), name="reports"),
]
api_urlpatterns: list = [
    path("service/calendar/", service_api.ServiceCalendarApi.as_view(), name="service-calendar"),
    path("service/sla/", service_api.SlaPolicyApi.as_view(), name="service-sla"),
]
