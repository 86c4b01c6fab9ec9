"""Forms of the staff shell: login (with lockout), shop settings, staff and API keys."""

import re

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.models import ApiKey, ApiKeyScope, Role, Shop
from crm.platform.timezones import timezone_choices
from crm.shops import login_lockout

_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


class LoginForm(login_lockout.LockoutMessageMixin, AuthenticationForm):
    """Email + password; the lockout itself is in the authentication backend
    (crm/shops/login_lockout.py)."""

    username = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        # Emails are stored lower-cased (crm.shops.services.user_get_or_create).
        return login_lockout.normalize_username(self.cleaned_data["username"])


class AdminLoginForm(login_lockout.LockoutMessageMixin, AdminAuthenticationForm):
    pass


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Checks the old password through `authenticate`, so guesses here count against the
    same lockout as the login forms."""

    def __init__(self, request, *args, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        email = self.user.get_username()
        if authenticate(self.request, username=email, password=old_password) is None:
            if getattr(self.request, "axes_locked_out", False):
                raise login_lockout.locked_error()
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        login_lockout.attempt_succeeded(self.request, email)
        return old_password


class ShopSettingsForm(forms.ModelForm):
    class Meta:
        model = Shop
        fields = ["name", "timezone", "currency", "phone_region", "language"]
        help_texts = {
            "timezone": _("Dates and daily reports use this timezone."),
            "currency": _("ISO 4217 code, e.g. CNY."),
            "phone_region": _("Two-letter region used to read phone numbers without a country code, e.g. CN."),
        }

    language = forms.ChoiceField(
        label=_("Language of customer messages"),
        choices=settings.LANGUAGES,
        help_text=_("The language of emails and text messages sent to this shop's customers. Each staff member "
                    "picks the language of these pages at the top right."),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices(self.instance.timezone if self.instance.pk else None)

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if not _CURRENCY_CODE.match(currency):
            raise ValidationError(_("Enter a three-letter currency code such as CNY."), code="invalid")
        return currency

    def clean_phone_region(self) -> str:
        region = self.cleaned_data["phone_region"].strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValidationError(_("Enter a two-letter region code such as CN."), code="invalid")
        return region


class StaffAddForm(forms.Form):
    prefix = "staff"  # the settings page has several forms: keep their field ids apart

    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)

    def clean_email(self) -> str:
        return login_lockout.normalize_username(self.cleaned_data["email"])


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ApiKeyCreateForm(forms.Form):
    prefix = "api_key"

    name = forms.CharField(
        label=_("Key name"),
        max_length=100,
        help_text=_("Where the key is used, e.g. “WeChat mini program”."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiKeyScope.choices,
        initial=ApiKeyScope.STOREFRONT,
        help_text=_("An admin key can also export, erase and merge customers: create one only for a system that must."),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        # Runs inside the shop scope, so this checks the shop's own keys only.
        if ApiKey.objects.filter(name=name).exists():
            raise ValidationError(_("This shop already has a key with this name."), code="duplicate")
        return name
