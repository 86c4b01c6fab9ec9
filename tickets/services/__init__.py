from tickets.services.assignment import (
    AssignmentError,
    agent_availability_set,
    agents_with_loads,
    ticket_assign,
    ticket_auto_assign,
)
from tickets.services.attachments import AttachmentInvalid, attachment_add, attachment_path
from tickets.services.compensation import (
    AVAILABLE_KINDS,
    CompensationInvalid,
    compensation_decide,
    compensation_request,
    running_campaigns,
)
from tickets.services.conversation import MessageInvalid, macro_render, ticket_customer_message, ticket_reply
from tickets.services.csat import CsatInvalid, csat_answer, csat_survey_for_token, csat_token, surveys_send_due
from tickets.services.handover import (
    HandoverInvalid,
    my_open_ticket_ids,
    ticket_follow_up_done,
    ticket_handover_set,
)
from tickets.services.intake import (
    TicketInvalid,
    category_find,
    customer_from_payload,
    ticket_clean,
    ticket_open,
    ticket_open_from_payload,
)
from tickets.services.settings import (
    SettingsInvalid,
    category_save,
    macro_save,
    ticket_settings_get,
    ticket_settings_update,
)
from tickets.services.workflow import ticket_severity_set, ticket_transition, tickets_auto_close
from tickets.workflow import TicketStateError

__all__ = [
    "AttachmentInvalid",
    "HandoverInvalid",
    "attachment_add",
    "attachment_path",
    "my_open_ticket_ids",
    "running_campaigns",
    "ticket_follow_up_done",
    "ticket_handover_set",
    "AVAILABLE_KINDS",
    "AssignmentError",
    "CompensationInvalid",
    "CsatInvalid",
    "MessageInvalid",
    "SettingsInvalid",
    "TicketInvalid",
    "TicketStateError",
    "agent_availability_set",
    "agents_with_loads",
    "category_find",
    "category_save",
    "compensation_decide",
    "compensation_request",
    "csat_answer",
    "csat_survey_for_token",
    "csat_token",
    "customer_from_payload",
    "macro_render",
    "macro_save",
    "ticket_assign",
    "ticket_auto_assign",
    "ticket_clean",
    "ticket_customer_message",
    "ticket_open",
    "ticket_open_from_payload",
    "ticket_reply",
    "ticket_settings_get",
    "ticket_settings_update",
    "ticket_severity_set",
    "ticket_transition",
    "tickets_auto_close",
    "surveys_send_due",
]
