"""Staff pages (mounted under /s/<shop_slug>/tickets/), API routes (mounted under /api/v1/ and
/api/v1/s/<shop_slug>/), and the customer's survey (mounted at the root by crm/urls.py: its
signed link is the credential)."""

from django.urls import path

from tickets import views
from tickets.api import service as service_api
from tickets.api import views as api
from tickets.pages.reports import ReportsView
from tickets.pages.service import ServiceSettingsView as ServiceHoursView

page_urlpatterns = [
    path("", views.TicketQueueView.as_view(), name="queue"),
    path("new/", views.TicketCreateView.as_view(), name="new"),
    path("availability/", views.AgentAvailabilityView.as_view(), name="availability"),
    path("settings/", views.ServiceSettingsView.as_view(), name="settings"),
    path("<int:ticket_id>/", views.TicketDetailView.as_view(), name="detail"),
    path("<int:ticket_id>/reply/", views.TicketReplyView.as_view(), name="reply"),
    path("<int:ticket_id>/transition/", views.TicketTransitionView.as_view(), name="transition"),
    path("<int:ticket_id>/assign/", views.TicketAssignView.as_view(), name="assign"),
    path("<int:ticket_id>/severity/", views.TicketSeverityView.as_view(), name="severity"),
    path("<int:ticket_id>/handover/", views.TicketHandoverView.as_view(), name="handover"),
    path("<int:ticket_id>/follow-up/", views.TicketFollowUpDoneView.as_view(), name="follow-up-done"),
    path("<int:ticket_id>/compensation/", views.TicketCompensationView.as_view(), name="compensation"),
    path("<int:ticket_id>/compensation/decide/", views.CompensationDecideView.as_view(), name="compensation-decide"),
    path("<int:ticket_id>/attachments/", views.TicketAttachmentUploadView.as_view(), name="attachment-upload"),
    path("<int:ticket_id>/attachments/<int:attachment_id>/", views.TicketAttachmentView.as_view(), name="attachment"),
    path("service-hours/", ServiceHoursView.as_view(), name="service-hours"),
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
public_page_urlpatterns = [
    path("<str:token>/", views.SurveyView.as_view(), name="answer"),
]
