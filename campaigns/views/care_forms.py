"""The care rule editor: a rule's switch, channels, the timing fields of its kind, and its
texts in Chinese and English. What the values may be is the service's to say."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaigns.models import CareKind, CareRule
from campaigns.services.care_rules import CHANNELS, GAP_MULTIPLE_RANGE, LANGUAGES, MAX_DAYS, TIMING_FIELDS
from insights.labels import segment_label

CHANNEL_LABELS = {"sms": _("SMS"), "email": _("Email")}
DAYS_LABELS = {
    CareKind.BIRTHDAY: _("Days before the birthday"),
    CareKind.AFTER_DELIVERY: _("Days after delivery"),
    CareKind.WIN_BACK: _("Days without an order"),
    CareKind.FIRST_PURCHASE_REACTIVATION: _("Days after the first purchase"),
    CareKind.RECURRING_GIFT: _("Days before the gift date"),
    CareKind.POINTS_EXPIRING: _("Days before the points expire"),
}
SMS_COUNTER = _("As an SMS with the signature: %(length)s characters, %(segments)s SMS")
LANGUAGE_LABELS = {"zh-hans": pgettext_lazy("care", "Chinese"), "en": _("English")}


def text_field_name(name: str, language: str) -> str:
    return f"{name}_{language.replace('-', '_')}"


CHANNEL_CHOICES = [(channel, CHANNEL_LABELS[channel]) for channel in CHANNELS]


class PreviewForm(forms.Form):
    q = forms.CharField(label=_("Customer"), max_length=100, help_text=pgettext_lazy("care", "Name, phone or email"))
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNEL_CHOICES)


class CareRuleForm(forms.Form):
    is_enabled = forms.BooleanField(label=pgettext_lazy("care", "On"), required=False)
    channels = forms.MultipleChoiceField(
        label=pgettext_lazy("care", "Channels"), choices=CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    days = forms.IntegerField(min_value=0, max_value=MAX_DAYS)
    gap_multiple = forms.DecimalField(
        label=_("Or after this multiple of the customer's own interval between orders"), required=False,
        min_value=GAP_MULTIPLE_RANGE[0], max_value=GAP_MULTIPLE_RANGE[1], decimal_places=1,
        help_text=_("Empty: days only."),
    )  # fmt: skip
    segments = forms.MultipleChoiceField(
        label=pgettext_lazy("care", "Valuable segments"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, rule: CareRule, segment_keys: list[str], sms_extra_length: int, **kwargs):
        """`sms_extra_length`: what every SMS of the rule carries besides its text (the
        【signature】, a marketing opt-out), for the length counter."""
        initial = {name: getattr(rule, name) for name in ("is_enabled", "channels", "days", "gap_multiple", "segments")}
        for name in ("subject", "body"):
            for language in LANGUAGES:
                initial[text_field_name(name, language)] = getattr(rule, name).get(language, "")
        super().__init__(*args, initial=initial, **kwargs)
        for name in ("days", "gap_multiple", "segments"):
            if name not in TIMING_FIELDS[rule.kind]:
                del self.fields[name]
        if "days" in self.fields:
            self.fields["days"].label = DAYS_LABELS[rule.kind]
        if "segments" in self.fields:
            self.fields["segments"].choices = [(key, segment_label(key, key)) for key in segment_keys]
        for language in LANGUAGES:
            self.fields[text_field_name("subject", language)] = forms.CharField(
                label=_("Email subject (%(language)s)") % {"language": LANGUAGE_LABELS[language]},
                required=False, max_length=200,
            )  # fmt: skip
            self.fields[text_field_name("body", language)] = forms.CharField(
                label=_("Message (%(language)s)") % {"language": LANGUAGE_LABELS[language]},
                widget=forms.Textarea(attrs={"rows": 3, "data-sms-counter": SMS_COUNTER,
                                             "data-sms-extra": sms_extra_length}),
                max_length=1000,
            )  # fmt: skip

    def changes(self) -> dict:
        data = self.cleaned_data
        changes = {name: data[name] for name in ("is_enabled", "channels", "days", "gap_multiple", "segments")
                   if name in self.fields}  # fmt: skip
        for name in ("subject", "body"):
            changes[name] = {language: data[text_field_name(name, language)] for language in LANGUAGES}
        return changes

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            field = name if name in self.fields else text_field_name(name, LANGUAGES[0])
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


KIND_HELP = {
    CareKind.BIRTHDAY: _("On the customer's birthday or days before it; 29 February on 28 February in other years."),
    CareKind.ORDER_PAID: _("Thanks when an order is paid. Care message: needs care consent."),
    CareKind.ORDER_SHIPPED: _("When an order ships, with a tracking link. Care message: needs care consent."),
    CareKind.ORDER_DELIVERED: _("When an order is delivered. Care message: needs care consent."),
    CareKind.AFTER_DELIVERY: _("Usage tips or a review request days after delivery. Care message: needs care consent."),
    CareKind.WIN_BACK: _("Once per lapse: after days without an order, or sooner for customers who buy often."),
    CareKind.FIRST_PURCHASE_REACTIVATION: _("Days after a customer's only purchase."),
    CareKind.RECURRING_GIFT: _("Days before the date a customer ordered around in at least two earlier years."),
    CareKind.VALUABLE_AT_RISK: _("After a scoring run, to valuable customers whose lifecycle turned at risk."),
    CareKind.POINTS_EXPIRING: _(
        "Days before a customer's loyalty points expire; {amount} is the points. Care message."
    ),
    CareKind.TIER_UPGRADE: _("The day after a customer's loyalty tier goes up. Care message: needs care consent."),
}
