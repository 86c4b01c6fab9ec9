"""The segment map editor: one row per rule (first match wins, so order matters)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from insights.labels import segment_label

SCORE = {"min_value": 1, "max_value": 5}


class SegmentRuleForm(forms.Form):
    key = forms.RegexField(
        regex=r"^[a-z][a-z0-9_]{0,49}$",
        label=_("Key"),
        error_messages={"invalid": _("Lower-case letters, digits and underscores, starting with a letter.")},
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    r_low = forms.IntegerField(label=_("R from"), **SCORE)
    r_high = forms.IntegerField(label=_("R to"), **SCORE)
    fm_low = forms.DecimalField(label=_("F/M from"), decimal_places=1, **SCORE)
    fm_high = forms.DecimalField(label=_("F/M to"), decimal_places=1, **SCORE)

    def as_rule(self) -> dict:
        data = self.cleaned_data
        return {
            "key": data["key"],
            "name": data["name"],
            "r": [data["r_low"], data["r_high"]],
            "fm": [float(data["fm_low"]), float(data["fm_high"])],
        }


SegmentRuleFormSet = forms.formset_factory(SegmentRuleForm, extra=1, can_delete=True, max_num=40, absolute_max=40)


def rules_as_initial(rules: list[dict]) -> list[dict]:
    """The editor's rows; a default segment's name in the page's language."""
    return [
        {"key": rule["key"], "name": segment_label(rule["key"], rule["name"]),
         "r_low": rule["r"][0], "r_high": rule["r"][1], "fm_low": rule["fm"][0], "fm_high": rule["fm"][1]}
        for rule in rules
    ]  # fmt: skip
