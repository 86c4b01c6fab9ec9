"""Managers' admin for tickets, shop-scoped by the admin site. Read-only: tickets are worked
in the ticket pages, and the calendar and SLA targets edited on the service hours page or the
API, where every change goes through the services (their checks and audit)."""

from django.contrib import admin

from crm.shops.admin_base import ReadOnlyShopOwnedAdmin
from customers.admin import ReadOnlyInline
from tickets.models import (
    Compensation,
    CsatSurvey,
    Macro,
    SlaNotice,
    SlaPolicy,
    Ticket,
    TicketCategory,
    TicketMessage,
)


class MessageInline(ReadOnlyInline):
    model = TicketMessage
    fields = ("created_at", "kind", "author", "body")
    readonly_fields = fields


class CompensationInline(ReadOnlyInline):
    model = Compensation
    fields = ("created_at", "kind", "amount", "status", "requested_by", "decided_by")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("number", "subject", "customer", "severity", "status", "assignee", "due_at", "opened_at")
    list_filter = ("status", "severity", "channel", "category")
    search_fields = ("subject",)
    date_hierarchy = "opened_at"
    inlines = (MessageInline, CompensationInline)


@admin.register(TicketCategory)
class TicketCategoryAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("__str__", "code", "position", "is_active")


@admin.register(Macro)
class MacroAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("name", "set_status", "compensation_kind", "compensation_amount", "is_active")


@admin.register(Compensation)
class CompensationAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("ticket", "kind", "amount", "status", "requested_by", "decided_by", "created_at")
    list_filter = ("status", "kind")


@admin.register(CsatSurvey)
class CsatSurveyAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("ticket", "resolution", "status", "score", "send_after", "answered_at")
    list_filter = ("status", "score")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("severity", "first_reply_minutes", "next_reply_minutes", "resolution_minutes", "business_hours",
                    "warning_minutes")  # fmt: skip
    ordering = ("severity",)


@admin.register(SlaNotice)
class SlaNoticeAdmin(ReadOnlyShopOwnedAdmin):
    """Warnings and escalations; an email left "sending" died mid-send and is not retried."""

    list_display = ("ticket", "target", "kind", "due_at", "recipient", "email_status", "created_at")
    list_filter = ("kind", "target", "email_status")
    list_select_related = ("ticket", "recipient")
    date_hierarchy = "created_at"
