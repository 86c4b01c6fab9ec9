"""Staff pages: the message log with delivery statistics per rule, resend, and the shop's
messaging settings."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from crm.models import Role
from crm.tenancy.access import has_role
from crm.tenancy.pages import ShopPageView
from customers.models import Customer
from messaging.checks import reason_label
from messaging.compose import absolute_url
from messaging.filters import FilterInvalid, MessageFilters, message_filters_parse
from messaging.forms import MessagingSettingsForm
from messaging.models import Channel, MessageStatus
from messaging.selectors import message_get, message_list, message_stats_by_rule, messaging_settings_get
from messaging.services.outbox import RESENDABLE, ResendRefused, message_resend
from messaging.services.shop_settings import messaging_settings_save
from messaging.services.sms_replies import sms_callback_signature

PAGE_SIZE = 50


class MessageLogView(ShopPageView, TemplateView):
    template_name = "messaging/log.html"

    def get_context_data(self, **kwargs):
        try:
            filters, error = message_filters_parse(self.request.GET), None
        except FilterInvalid as invalid:
            filters, error = MessageFilters(), ", ".join(invalid.errors)
        rows = message_list(shop=self.shop, filters=filters).order_by("-pk")
        before = self.request.GET.get("before", "")
        if before.isdigit():
            rows = rows.filter(pk__lt=int(before))
        rows = list(rows[: PAGE_SIZE + 1])
        query = filters.as_params()
        next_url = None
        if len(rows) > PAGE_SIZE:
            rows = rows[:PAGE_SIZE]
            next_url = "?" + urlencode({**query, "before": rows[-1].pk})
        for message in rows:
            message.reason_text = reason_label(message.reason)
        stats = message_stats_by_rule(shop=self.shop, filters=filters)
        for entry in stats:
            entry["skipped_reasons"] = [(reason_label(reason), count) for reason, count in entry["skipped"].items()]
        return super().get_context_data(
            messages_page=rows, stats=stats, filters=self.request.GET, error=error, query_string=urlencode(query),
            next_url=next_url, is_first_page=not before, statuses=MessageStatus.choices, channels=Channel.choices,
            resendable=RESENDABLE, can_resend=has_role(self.membership, Role.MANAGER),
            can_configure=has_role(self.membership, Role.MANAGER),
            for_customer=Customer.objects.filter(pk=filters.customer).first() if filters.customer else None,
            **kwargs,
        )  # fmt: skip


class MessageResendView(ShopPageView):
    required_role = Role.MANAGER

    def post(self, request, message_id: int, **kwargs):
        message = message_get(shop=self.shop, message_id=message_id)
        try:
            message_resend(shop=self.shop, message=message)
            messages.success(request, _("The message is queued again."))
        except ResendRefused:
            messages.error(request, _("Only failed or unknown messages can be sent again."))
        return redirect(request.POST.get("next") or reverse("messaging:log", kwargs={"shop_slug": self.shop.slug}))


class MessagingSettingsView(ShopPageView, TemplateView):
    required_role = Role.MANAGER
    template_name = "messaging/settings.html"

    def get_context_data(self, **kwargs):
        signed = {"shop_id": self.shop.pk, "signature": sms_callback_signature(self.shop.pk)}
        callback = reverse("messaging-public:sms-replies", kwargs=signed)
        kwargs.setdefault("form", MessagingSettingsForm(instance=messaging_settings_get(shop=self.shop)))
        return super().get_context_data(sms_callback_url=absolute_url(callback), **kwargs)

    def post(self, request, **kwargs):
        form = MessagingSettingsForm(request.POST, instance=messaging_settings_get(shop=self.shop))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messaging_settings_save(shop=self.shop, **{name: form.cleaned_data[name] for name in form.Meta.fields})
        messages.success(request, _("Messaging settings saved."))
        return redirect(reverse("messaging:settings", kwargs={"shop_slug": self.shop.slug}))
