"""Forms of the loyalty pages: program settings, the tier editor (one row per tier) with
the date the tiers take effect, and a staff adjustment."""

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.models import LoyaltyProgram
from loyalty.rules import TierRule
from loyalty.services.program import MAX_TIERS, SETTINGS_FIELDS


class ProgramForm(forms.ModelForm):
    class Meta:
        model = LoyaltyProgram
        fields = SETTINGS_FIELDS
        help_texts = {
            "points_expiry_months": _("0: points never expire."),
            "growth_period": _("Which orders count toward a customer's tier."),
            "yearly_decay_percent": _("Taken from every growth value on 1 January; 0: no decay."),
            "point_value": _("What one point is worth when spent, for the liability in the report."),
        }


class TierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    threshold = forms.IntegerField(label=_("Growth threshold"), min_value=0, max_value=2_000_000_000)
    points_multiplier = forms.DecimalField(
        label=_("Points multiplier"), min_value=0, max_value=99.99, decimal_places=2, initial=1
    )
    free_shipping = forms.BooleanField(label=_("Free shipping"), required=False)
    priority_service = forms.BooleanField(label=_("Priority service"), required=False)
    coupon_campaign_id = forms.IntegerField(label=_("Coupon campaign"), min_value=1, required=False)

    def as_tier(self) -> dict:
        return dict(self.cleaned_data, points_multiplier=str(self.cleaned_data["points_multiplier"]))


TierFormSet = forms.formset_factory(TierForm, extra=1, can_delete=True, max_num=MAX_TIERS, absolute_max=MAX_TIERS)


def tiers_as_initial(tiers: list[TierRule]) -> list[dict]:
    return [tier.__dict__ for tier in tiers]


class EffectiveFromForm(forms.Form):
    effective_from = forms.DateField(
        label=_("Take effect on"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A date in the shop's timezone: today, or later to announce the change first."),
    )  # fmt: skip


class AdjustForm(forms.Form):
    points = forms.IntegerField(
        label=_("Points"), min_value=-1_000_000_000, max_value=1_000_000_000,
        help_text=_("Positive to add, negative to remove (never more than the available points)."),
    )  # fmt: skip
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
