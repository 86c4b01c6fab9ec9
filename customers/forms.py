"""Forms of the customer pages. The services validate (phones, emails, uniqueness); a form
only collects the fields and puts the services' reasons next to the field they name."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from customers.models import Channel, Gender

TAG_COLOR_CHOICES = (
    ("#2563eb", _("Blue")),
    ("#16a34a", _("Green")),
    ("#dc2626", _("Red")),
    ("#f59e0b", _("Amber")),
    ("#7c3aed", _("Purple")),
    ("#6b7280", _("Gray")),
)


class CustomerProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False, help_text=_("A mobile like 13800138000 or +86 138 0013 8000.")
    )
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.UNKNOWN)
    birthday = forms.DateField(
        label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    province = forms.CharField(label=_("Province"), max_length=64, required=False)
    city = forms.CharField(label=_("City"), max_length=64, required=False)
    district = forms.CharField(label=_("District"), max_length=64, required=False)
    language = forms.ChoiceField(
        label=_("Language of messages"), required=False,
        choices=[("", _("The shop's language")), *settings.LANGUAGES],
    )  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in ("name", "phone", "email")):
            raise forms.ValidationError(_("Give at least a name, a phone or an email."))
        return cleaned

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """ProfileInvalid's {"field": [reasons]} on the fields (others above the form)."""
        for field, reasons in errors.items():
            for reason in reasons:
                self.add_error(field if field in self.fields else None, reason)


class CustomerCreateForm(CustomerProfileForm):
    source_channel = forms.ChoiceField(label=_("Came from"), choices=Channel.choices, initial=Channel.STAFF)


class TagForm(forms.Form):
    name = forms.CharField(label=_("Tag name"), max_length=50)
    color = forms.ChoiceField(label=_("Color"), choices=TAG_COLOR_CHOICES, initial="#2563eb")
