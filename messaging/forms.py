"""The messaging settings form (manager and up)."""

import string

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.models import MessagingSettings

URL_PLACEHOLDERS = {"order_url_template": "order_number", "coupon_url_template": "coupon_code"}


class MessagingSettingsForm(forms.ModelForm):
    class Meta:
        model = MessagingSettings
        fields = ("sms_signature", "send_window_start", "send_window_end", "email_cap_hours", "sms_cap_hours",
                  "order_url_template", "coupon_url_template")  # fmt: skip
        widgets = {
            "send_window_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "send_window_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "sms_signature": _("2 to 12 characters, as approved by the SMS provider; shown as 【signature】."),
            "send_window_start": _("Marketing SMS due outside this window wait until it opens (shop time)."),
            "email_cap_hours": _("At most one marketing email per customer in this many hours; 0 for no cap."),
            "sms_cap_hours": _("At most one marketing SMS per customer in this many hours; 0 for no cap."),
            "order_url_template": _("For example https://shop.example/orders/{order_number}"),
            "coupon_url_template": _("For example https://shop.example/coupons/{coupon_code}"),
        }

    def clean_sms_signature(self) -> str:
        signature = self.cleaned_data["sms_signature"].strip().strip("【】")
        if not 2 <= len(signature) <= 12:
            raise forms.ValidationError(_("Use 2 to 12 characters."))
        return signature

    def clean(self):
        cleaned = super().clean()
        for name in ("email_cap_hours", "sms_cap_hours"):
            if cleaned.get(name) is not None and cleaned[name] > 168:
                self.add_error(name, _("At most 168 hours (a week)."))
        if cleaned.get("send_window_start") is not None and cleaned.get("send_window_start") == cleaned.get(
            "send_window_end"
        ):
            self.add_error("send_window_end", _("The window must not be empty."))
        for name, placeholder in URL_PLACEHOLDERS.items():
            self._check_url_template(name, placeholder)
        return cleaned

    def _check_url_template(self, name: str, placeholder: str) -> None:
        template = self.cleaned_data.get(name, "")
        if not template:
            return
        if not template.startswith(("https://", "http://")):
            self.add_error(name, _("Start with https:// or http://."))
            return
        try:
            fields = {field for _text, field, _spec, _conv in string.Formatter().parse(template) if field is not None}
        except ValueError:
            fields = None
        if fields is None or not fields <= {placeholder}:
            self.add_error(name, _("The only placeholder allowed here is {%(name)s}.") % {"name": placeholder})
