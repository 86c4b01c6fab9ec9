"""The campaign builder's form: staff fill it in, it becomes the same JSON the API takes
(campaigns.services.coupons_input checks both), and the same audience the live preview counts."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import ClaimMode, ClaimPayout, DiscountType
from campaigns.models.coupons import MessageChannel
from customers.models import ConsentChannel
from insights.models import LifecycleStage

CHURN_CARE_PRESET = {
    "name": _("We miss you: care coupon for valuable customers at risk"),
    "discount_type": DiscountType.FIXED,
    "discount_amount": "30.00",
    "min_spend": "100.00",
    "valid_days": 14,
    "segments": ["cannot_lose_them", "at_risk"],
    "holdout_percent": 10,
    "message_channel": MessageChannel.SMS,
    "message_body": _("{customer_name}, we miss you! Here is {amount} off your next order: {coupon_code}"),
}


AUDIENCE_FIELDS = (
    "segments", "lifecycle_stages", "total_spent_min", "total_spent_max", "orders_count_min", "orders_count_max",
    "consent", "customer_ids",
)  # fmt: skip
CAMPAIGN_FIELDS = (
    "name", "min_spend", "valid_days", "per_customer_limit", "usage_limit", "budget", "code", "holdout_percent",
    "message_channel", "message_subject", "message_body",
)  # fmt: skip


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.replace(",", "\n").splitlines() if part.strip()]


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    discount_type = forms.ChoiceField(label=_("Discount"), choices=DiscountType.choices)
    discount_amount = forms.CharField(label=_("Amount off"), required=False)
    discount_percent = forms.IntegerField(label=_("Percent off"), required=False, min_value=1, max_value=100)
    discount_cap = forms.CharField(label=_("At most (percent discounts)"), required=False)
    min_spend = forms.CharField(label=_("Minimum spend"), required=False)
    valid_until = forms.DateTimeField(label=_("Valid until"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))  # fmt: skip
    valid_days = forms.IntegerField(label=_("Or valid for days after issue"), required=False, min_value=1)
    per_customer_limit = forms.IntegerField(label=_("Uses per customer"), min_value=1, initial=1)
    usage_limit = forms.IntegerField(label=_("Total uses (empty: no limit)"), required=False, min_value=1)
    budget = forms.CharField(label=_("Budget (empty: no limit)"), required=False)
    code = forms.CharField(
        label=_("Shared code"), required=False, help_text=_("Leave empty to give each customer their own code.")
    )
    segments = forms.MultipleChoiceField(label=_("RFM segments"), required=False, widget=forms.CheckboxSelectMultiple)
    lifecycle_stages = forms.MultipleChoiceField(
        label=_("Lifecycle stages"), required=False, choices=LifecycleStage.choices, widget=forms.CheckboxSelectMultiple
    )
    tags = forms.MultipleChoiceField(label=_("Tags"), required=False, widget=forms.CheckboxSelectMultiple)
    tiers = forms.CharField(label=_("Loyalty tiers"), required=False, help_text=_("Tier names, one per line."))
    total_spent_min = forms.CharField(label=_("Spent at least"), required=False)
    total_spent_max = forms.CharField(label=_("Spent at most"), required=False)
    orders_count_min = forms.IntegerField(label=_("Orders at least"), required=False, min_value=0)
    orders_count_max = forms.IntegerField(label=_("Orders at most"), required=False, min_value=0)
    consent = forms.ChoiceField(
        label=_("Marketing consent on"), required=False, choices=[("", _("Any")), *ConsentChannel.choices]
    )
    customer_ids = forms.CharField(
        label=_("Uploaded list"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Customer ids, one per line or separated by commas."),
    )  # fmt: skip
    holdout_percent = forms.IntegerField(label=_("Holdout (%)"), min_value=0, max_value=90, initial=10)
    message_channel = forms.ChoiceField(label=_("Send the coupon by"), choices=MessageChannel.choices, required=False)
    message_subject = forms.CharField(label=_("Email subject"), required=False, max_length=200)
    message_body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Placeholders: {customer_name}, {shop_name}, {amount}, {coupon_code}."),
    )  # fmt: skip

    def __init__(self, *args, segments=(), tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segments"].choices = segments
        self.fields["tags"].choices = tags

    # The builder's three cards, in order.
    OFFER = ("name", "discount_type", "discount_amount", "discount_percent", "discount_cap", "min_spend", "valid_until",
             "valid_days", "per_customer_limit", "usage_limit", "budget", "code")  # fmt: skip
    AUDIENCE = ("segments", "lifecycle_stages", "tags", "tiers", "total_spent_min", "total_spent_max",
                "orders_count_min", "orders_count_max", "consent", "customer_ids", "holdout_percent")  # fmt: skip
    MESSAGE = ("message_channel", "message_subject", "message_body")

    def offer_fields(self):
        return [self[name] for name in self.OFFER]

    def audience_fields(self):
        return [self[name] for name in self.AUDIENCE]

    def message_fields(self):
        return [self[name] for name in self.MESSAGE]

    def clean_customer_ids(self) -> list[int]:
        values = _list(self.cleaned_data["customer_ids"])
        if not all(value.isdigit() and len(value) < 19 for value in values):
            raise forms.ValidationError(_("Customer ids are whole numbers."))
        return [int(value) for value in values]

    def audience(self) -> dict:
        data = self.cleaned_data
        audience = {key: data.get(key) for key in AUDIENCE_FIELDS}
        audience["tags"] = [int(tag) for tag in data.get("tags") or []]
        audience["tiers"] = _list(data.get("tiers") or "")
        return {key: value for key, value in audience.items() if value not in (None, "", [])}

    def as_campaign_data(self) -> dict:
        """The API's JSON for this form (campaign_create checks it)."""
        data = self.cleaned_data
        discount = {"type": data["discount_type"], "amount": data["discount_amount"],
                    "percent": data["discount_percent"], "cap": data["discount_cap"] or None}  # fmt: skip
        body = {key: data[key] for key in CAMPAIGN_FIELDS}
        body["valid_until"] = data["valid_until"].isoformat() if data["valid_until"] else None
        return {**body, "discount": discount, "audience": self.audience()}


def audience_form_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Service errors named by the API's JSON paths, renamed to the form's fields."""
    renamed = {}
    for name, reasons in errors.items():
        field = name.removeprefix("audience.").replace("discount.", "discount_")
        renamed.setdefault(field if field in CampaignForm.base_fields else "__all__", []).extend(reasons)
    return renamed


class PriceProtectionForm(forms.Form):
    is_enabled = forms.BooleanField(label=_("Protect prices"), required=False)
    window_days = forms.TypedChoiceField(
        label=_("Protection window (days)"), coerce=int, choices=[(7, "7"), (15, "15"), (30, "30")]
    )
    mode = forms.ChoiceField(label=_("Claims"), choices=ClaimMode.choices)
    payout = forms.ChoiceField(label=_("Paid as"), choices=ClaimPayout.choices)
