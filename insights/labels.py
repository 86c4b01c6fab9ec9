"""Translated labels for segment keys and RFM dimensions (the stored map keeps the default
English names; staff see them in their language)."""

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from insights.scoring.lifecycle import DEFAULT_THRESHOLDS
from insights.scoring.rfm import DEFAULT_SEGMENT_MAP

NO_SEGMENT = "none"

SEGMENT_LABELS = {
    "champions": _("Champions"),
    "loyal": _("Loyal"),
    "potential_loyalist": _("Potential Loyalist"),
    "new_customers": _("New Customers"),
    "promising": _("Promising"),
    "need_attention": _("Need Attention"),
    "about_to_sleep": _("About to Sleep"),
    "cannot_lose_them": _("Cannot Lose Them"),
    "at_risk": _("At Risk"),
    "hibernating": _("Hibernating"),
    "lost": _("Lost"),
    NO_SEGMENT: _("Not scored"),
}
DIMENSION_LABELS = {
    "recency_days": _("Recency (days since last order)"),
    "frequency": _("Frequency (orders)"),
    "monetary": _("Monetary (net spend)"),
}
_DEFAULT_NAMES = {rule["key"]: rule["name"] for rule in DEFAULT_SEGMENT_MAP}


def segment_label(key: str, name: str = "") -> str:
    """The translated name of a default segment; a shop's own names are shown as written."""
    if key in SEGMENT_LABELS and (not name or _DEFAULT_NAMES.get(key, name) == name):
        return str(SEGMENT_LABELS[key])
    return name or key


def stage_reason(stage: str, recency_days: int, p_alive: float | None) -> str:
    """In a sentence, the lifecycle rule (insights/scoring/lifecycle.py) that gave this stage."""
    limits = DEFAULT_THRESHOLDS
    if stage == "new":
        return gettext("First order %(days)d days ago (new for %(limit)d days).") % {
            "days": recency_days, "limit": limits.new_days}  # fmt: skip
    if stage == "active":
        return gettext("Buying at their usual rhythm.")
    if stage == "churned" and recency_days > limits.max_inactive_days:
        return gettext("No order for %(days)d days.") % {"days": recency_days}
    if stage == "churned" and p_alive is None:
        return gettext("No order for %(days)d days: more than four times their usual gap.") % {"days": recency_days}
    if stage == "churned":
        return gettext("No order for %(days)d days, far past their usual rhythm; the model gives them little chance "
                 "of buying again.") % {"days": recency_days}  # fmt: skip
    if p_alive is not None and p_alive < limits.at_risk_p_alive:
        return gettext("The model puts their chance of still buying at %(percent)d%%.") % {
            "percent": round(100 * p_alive)
        }
    return gettext("No order for %(days)d days: more than twice their usual gap, or a one-time buyer past %(limit)d "
             "days.") % {"days": recency_days, "limit": limits.new_days}  # fmt: skip


# The CLV models (insights/scoring/clv, free of Django) explain an unusable fit in English;
# these are all the forms they write, so staff read the note in their language.
_FIT_NOTES = (
    (re.compile(r"(?P<count>\d+) customers; the model needs at least (?P<minimum>\d+)"),
     _("%(count)s customers; the model needs at least %(minimum)s")),
    (re.compile(r"(?P<count>\d+) repeat buyers; the model needs at least (?P<minimum>\d+)"),
     _("%(count)s repeat buyers; the model needs at least %(minimum)s")),
    (re.compile(r"(?P<count>\d+) repeat buyers; the spend model needs at least (?P<minimum>\d+)"),
     _("%(count)s repeat buyers; the spend model needs at least %(minimum)s")),
    (re.compile(r"the likelihood could not be evaluated on this history"),
     _("the likelihood could not be evaluated on this history")),
    (re.compile(r"the history does not determine (?P<names>.+) \(the estimate runs off to an extreme\)"),
     _("the history does not determine %(names)s (the estimate runs off to an extreme)")),
    (re.compile(r"the fit did not converge: (?P<message>.*)"), _("the fit did not converge: %(message)s")),
)  # fmt: skip


def fit_note(note: str) -> str:
    for pattern, text in _FIT_NOTES:
        if match := pattern.fullmatch(note):
            return str(text) % match.groupdict() if match.groupdict() else str(text)
    return note
