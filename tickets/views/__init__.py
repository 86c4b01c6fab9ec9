from tickets.views.detail import (
    CompensationDecideView,
    TicketAssignView,
    TicketAttachmentUploadView,
    TicketAttachmentView,
    TicketCompensationView,
    TicketDetailView,
    TicketFollowUpDoneView,
    TicketHandoverView,
    TicketReplyView,
    TicketSeverityView,
    TicketTransitionView,
)
from tickets.views.intake import TicketCreateView
from tickets.views.queue import AgentAvailabilityView, TicketQueueView
from tickets.views.settings import ServiceSettingsView
from tickets.views.survey import SurveyView

__all__ = [
    "AgentAvailabilityView",
    "CompensationDecideView",
    "ServiceSettingsView",
    "SurveyView",
    "TicketAssignView",
    "TicketAttachmentUploadView",
    "TicketAttachmentView",
    "TicketCompensationView",
    "TicketCreateView",
    "TicketDetailView",
    "TicketFollowUpDoneView",
    "TicketHandoverView",
    "TicketQueueView",
    "TicketReplyView",
    "TicketSeverityView",
    "TicketTransitionView",
]
