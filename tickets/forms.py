"""Forms of the ticket pages: they collect fields; the services validate and name the fields
at fault, and the forms put those reasons next to them."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.platform.money import MONEY
from tickets.models import RequestKind, TicketChannel, TicketStatus
from tickets.services import AVAILABLE_KINDS

COMPENSATION_CHOICES = [(kind.value, kind.label) for kind in AVAILABLE_KINDS]
SEVERITY_CHOICES = [(1, _("1 · most urgent")), (2, "2"), (3, "3"), (4, _("4 · least urgent"))]


class ServiceErrorsMixin:
    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, reasons in errors.items():
            for reason in reasons:
                self.add_error(field if field in self.fields else None, reason)


class TicketForm(ServiceErrorsMixin, forms.Form):
    """A new ticket; without a known customer, the customer's phone, email or name."""

    customer_phone = forms.CharField(label=_("Customer's phone"), max_length=32, required=False)
    customer_email = forms.CharField(label=_("Customer's email"), max_length=254, required=False)
    customer_name = forms.CharField(label=_("Customer's name"), max_length=200, required=False)
    order_external_id = forms.CharField(label=_("Order"), max_length=128, required=False,
                                        help_text=_("The order id, if the complaint is about an order."))  # fmt: skip
    channel = forms.ChoiceField(label=_("Channel"), choices=TicketChannel.choices, initial=TicketChannel.PHONE)
    category = forms.ChoiceField(label=_("Category"))
    request_kind = forms.ChoiceField(label=_("Customer's request"), choices=RequestKind.choices, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    opened_at = forms.DateTimeField(
        label=_("Complained at"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the customer complained, if earlier than now (a marketplace complaint, say)."),
    )  # fmt: skip
    severity = forms.TypedChoiceField(label=_("Severity"), choices=[("", _("Grade it for me")), *SEVERITY_CHOICES],
                                      coerce=int, required=False, empty_value=None)  # fmt: skip
    severity_reason = forms.CharField(label=_("Why this severity"), max_length=300, required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(category.code, str(category)) for category in categories]


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000)
    is_public = forms.BooleanField(label=_("Send to the customer"), required=False, initial=True)
    macro = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SeverityForm(forms.Form):
    severity = forms.TypedChoiceField(label=_("Severity"), choices=SEVERITY_CHOICES, coerce=int)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class HandoverForm(forms.Form):
    note = forms.CharField(label=_("Handover note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                           required=False)  # fmt: skip
    all_mine = forms.BooleanField(label=_("Leave it on all my open tickets"), required=False)


class CompensationForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=COMPENSATION_CHOICES)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, required=False, **MONEY,
                                help_text=_("Refund or replacement value."))  # fmt: skip
    campaign = forms.ChoiceField(label=_("Coupon campaign"), required=False)
    points = forms.IntegerField(label=_("Points"), min_value=0, max_value=10**7, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", "—")] + [(str(c.pk), c.name) for c in campaigns]


class SettingsForm(forms.Form):
    auto_close_days = forms.IntegerField(label=_("Close resolved tickets after (days)"), min_value=1, max_value=90)
    approval_threshold = forms.DecimalField(label=_("Manager approval above (amount)"), min_value=0, **MONEY)
    approval_points = forms.IntegerField(label=_("Manager approval above (points)"), min_value=0, max_value=10**9)
    agent_open_cap = forms.IntegerField(label=_("Open tickets per agent at most"), min_value=1, max_value=1000)
    csat_delay_hours = forms.IntegerField(label=_("Send the survey after (hours)"), min_value=0, max_value=720)
    csat_valid_days = forms.IntegerField(label=_("Survey link valid for (days)"), min_value=1, max_value=90)
    follow_up_days = forms.IntegerField(label=_("Follow-up reminder after (days)"), min_value=1, max_value=365)
    auto_assign_new = forms.BooleanField(label=_("Assign new tickets automatically"), required=False)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Category name"), max_length=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class MacroForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("Variables: {customer_name}, {shop_name}, {order_number}, {amount}."),
    )
    set_status = forms.ChoiceField(label=_("Then set status"), choices=[("", "—"), *TicketStatus.choices],
                                   required=False)  # fmt: skip
    set_category = forms.ChoiceField(label=_("Then set category"), required=False)
    compensation_kind = forms.ChoiceField(label=_("Propose compensation"),
                                          choices=[("", "—"), *COMPENSATION_CHOICES], required=False)  # fmt: skip
    compensation_amount = forms.DecimalField(label=_("Proposed amount"), min_value=0, required=False, **MONEY)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["set_category"].choices = [("", "—")] + [(str(c.pk), str(c)) for c in categories]


class CsatForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Your rating"), coerce=int, widget=forms.RadioSelect,
                                   choices=[(n, str(n)) for n in range(1, 6)])  # fmt: skip
    comment = forms.CharField(label=_("Anything to add?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                              required=False)  # fmt: skip
