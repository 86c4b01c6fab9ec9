"""Staff pages (mounted under /s/<shop_slug>/tickets/), API routes (mounted under /api/v1/ and
/api/v1/s/<shop_slug>/), and the customer's survey (mounted at the root by crm/urls.py: its
signed link is the credential)."""

from django.urls import path

from tickets.api import service as service_api
from tickets.api import views as api
from tickets.pages.reports import ReportsView
from tickets.pages.service import ServiceSettingsView

page_urlpatterns: list = [
    path("service-hours/", ServiceSettingsView.as_view(), name="service-hours"),
    path("reports/", ReportsView.as_view(), name="reports"),
]
api_urlpatterns = [
    path("tickets/", api.TicketListApi.as_view(), name="tickets-list"),
    path("tickets/<int:ticket_id>/", api.TicketDetailApi.as_view(), name="tickets-detail"),
    path("tickets/<int:ticket_id>/replies/", api.TicketReplyApi.as_view(), name="tickets-replies"),
    path("tickets/<int:ticket_id>/transition/", api.TicketTransitionApi.as_view(), name="tickets-transition"),
    path("tickets/<int:ticket_id>/assign/", api.TicketAssignApi.as_view(), name="tickets-assign"),
    path("tickets/<int:ticket_id>/severity/", api.TicketSeverityApi.as_view(), name="tickets-severity"),
    path("service/calendar/", service_api.ServiceCalendarApi.as_view(), name="service-calendar"),
    path("service/sla/", service_api.SlaPolicyApi.as_view(), name="service-sla"),
]
public_api_urlpatterns = [
    path("tickets/csat/<str:token>/", api.CsatAnswerApi.as_view(), name="tickets-csat"),
]
public_page_urlpatterns: list = []
