"""Managers' admin for messages and messaging settings. Scoping comes from the admin site
(one shop per request, fail-closed managers, RLS). Messages are read-only; the one action,
sending a failed or unknown message again, goes through the service (and its audit)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.shops.admin_base import ReadOnlyShopOwnedAdmin
from messaging.models import Message, MessagingSettings
from messaging.services.outbox import RESENDABLE, message_resend


@admin.action(description=_("Send again (failed or unknown only)"))
def resend_action(modeladmin, request, queryset):
    resendable = list(queryset.filter(status__in=RESENDABLE))
    for message in resendable:
        message_resend(shop=request.admin_shop, message=message)
    modeladmin.message_user(request, ngettext("%d message queued again.", "%d messages queued again.",
                                              len(resendable)) % len(resendable))  # fmt: skip
    if skipped := queryset.count() - len(resendable):
        modeladmin.message_user(request, ngettext("%d message was not failed or unknown.",
                                                  "%d messages were not failed or unknown.", skipped) % skipped,
                                messages.WARNING)  # fmt: skip


@admin.register(Message)
class MessageAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("created_at", "customer", "rule", "occasion", "channel", "purpose", "status", "reason", "clicks")
    list_filter = ("status", "channel", "purpose")
    search_fields = ("rule", "occasion")
    date_hierarchy = "created_at"
    list_select_related = ("customer",)
    actions = (resend_action,)


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("sms_signature", "send_window_start", "send_window_end", "email_cap_hours", "sms_cap_hours")
