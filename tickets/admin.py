"""Admin for the SLA side of tickets: read-only (the calendar and targets are edited on the
service hours page or the API, through services that audit them)."""

from django.contrib import admin

from crm.shops.admin_base import ReadOnlyShopOwnedAdmin
from tickets.models import SlaNotice, SlaPolicy


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
