"""Managers' admin for tickets, shop-scoped by the admin site. Read-only: tickets are worked
in the ticket pages; the admin's one write, a status change, goes through the service (its
checks and audit)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.shops.admin_base import ReadOnlyShopOwnedAdmin
from customers.admin import ReadOnlyInline
from tickets.models import Compensation, CsatSurvey, Macro, Ticket, TicketCategory, TicketMessage, TicketStatus
from tickets.services import TicketStateError, ticket_transition


class MessageInline(ReadOnlyInline):
    model = TicketMessage
    fields = ("created_at", "kind", "author", "body")
    readonly_fields = fields


class CompensationInline(ReadOnlyInline):
    model = Compensation
    fields = ("created_at", "kind", "amount", "status", "requested_by", "decided_by")
    readonly_fields = fields


def _status_action(status: str, label):
    def action(modeladmin, request, queryset):
        changed, refused = 0, 0
        for ticket_id in queryset.values_list("pk", flat=True):
            try:
                ticket_transition(shop=request.admin_shop, ticket_id=ticket_id, target=status)
                changed += 1
            except TicketStateError:
                refused += 1
        modeladmin.message_user(request, ngettext("%d ticket changed.", "%d tickets changed.", changed) % changed)
        if refused:
            modeladmin.message_user(
                request,
                ngettext("%d ticket cannot take that status.", "%d tickets cannot take that status.", refused)
                % refused,
                messages.WARNING,
            )

    action.__name__ = f"mark_{status}"
    action.short_description = label
    return action


@admin.register(Ticket)
class TicketAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("number", "subject", "customer", "severity", "status", "assignee", "due_at", "opened_at")
    list_filter = ("status", "severity", "channel", "category")
    search_fields = ("subject",)
    date_hierarchy = "opened_at"
    inlines = (MessageInline, CompensationInline)
    actions = (_status_action(TicketStatus.RESOLVED, _("Mark resolved")),
               _status_action(TicketStatus.CLOSED, _("Mark closed")))  # fmt: skip


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
