"""How a severity grade's reasons read, in the active language: "Marketplace + '差评' + Champions"."""

from django.utils.translation import gettext as _

from insights.labels import segment_label
from tickets.models import TicketChannel


def severity_reason_label(reason: str) -> str:
    kind, _sep, value = reason.partition(":")
    if kind == "channel":
        return str(TicketChannel(value).label) if value in TicketChannel.values else value
    if kind == "cue":
        return f"'{value}'"
    if kind == "repeat":
        return _("%(count)s earlier complaints in 30 days") % {"count": value}
    if kind == "segment":
        return segment_label(value)
    if kind == "tier":
        return _("priority service tier")
    return reason


def severity_summary(reasons: list[str]) -> str:
    return " + ".join(severity_reason_label(reason) for reason in reasons)
