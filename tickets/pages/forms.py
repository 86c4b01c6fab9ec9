"""Forms of the service hours page. They turn the page's text fields into the API's
documents and let the same parsers judge them, so the page and the API refuse the same input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.business_time import WEEKDAYS, Calendar, CalendarError, calendar_document
from tickets.models import SEVERITIES
from tickets.services.sla import SLA_FIELDS, SlaDocumentError, Targets, sla_document

WEEKDAY_LABELS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))
PERIODS_HELP = _("Periods as 09:00-12:00, 13:00-18:00; empty means closed.")
DATES_HELP = _("Dates as YYYY-MM-DD, separated by spaces, commas or new lines.")


def _periods_text(periods: list) -> str:
    return ", ".join(f"{start}-{end}" for start, end in periods)


def _periods_document(text: str) -> list:
    pieces = [piece.strip() for piece in text.replace("，", ",").split(",") if piece.strip()]
    return [piece.split("-", 1) if "-" in piece else [piece] for piece in pieces]


def _dates_document(text: str) -> list:
    return text.replace(",", " ").replace("，", " ").split()


class ServiceCalendarForm(forms.Form):
    holidays = forms.CharField(
        label=_("Holidays"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=DATES_HELP
    )
    workdays = forms.CharField(
        label=_("Make-up workdays (调休)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=DATES_HELP,
    )
    workday_periods = forms.CharField(label=_("Hours of a make-up workday"), required=False, help_text=PERIODS_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in zip(WEEKDAYS, WEEKDAY_LABELS, strict=True):
            self.fields[name] = forms.CharField(label=label, required=False, help_text=PERIODS_HELP)
        self.order_fields([*WEEKDAYS, "holidays", "workdays", "workday_periods"])

    @staticmethod
    def initial_for(calendar: Calendar) -> dict:
        document = calendar_document(calendar)
        return {
            **{name: _periods_text(periods) for name, periods in document["weekly"].items()},
            "holidays": "\n".join(document["holidays"]),
            "workdays": "\n".join(document["workdays"]),
            "workday_periods": _periods_text(document["workday_periods"]),
        }

    def clean(self):
        data = super().clean()
        self.document = {
            "weekly": {name: _periods_document(data.get(name, "")) for name in WEEKDAYS},
            "holidays": _dates_document(data.get("holidays", "")),
            "workdays": _dates_document(data.get("workdays", "")),
            "workday_periods": _periods_document(data.get("workday_periods", "")),
        }
        return data

    def add_document_error(self, error: CalendarError) -> None:
        field = error.field.split("[")[0].removeprefix("weekly.")
        self.add_error(field if field in self.fields else None, error.message)


SLA_COLUMNS = (
    ("first_reply_minutes", _("First reply")),
    ("next_reply_minutes", _("Next reply")),
    ("resolution_minutes", _("Resolution")),
    ("warning_minutes", _("Warning")),
    ("business_hours", _("Business hours only")),
)


class SlaPolicyForm(forms.Form):
    """Five inputs per severity, named `<severity>-<field>`."""

    columns = [label for _name, label in SLA_COLUMNS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for severity in SEVERITIES:
            for name, label in SLA_COLUMNS[:4]:
                self.fields[f"{severity}-{name}"] = forms.IntegerField(min_value=0, label=label)
            self.fields[f"{severity}-business_hours"] = forms.BooleanField(required=False, label=SLA_COLUMNS[4][1])

    @staticmethod
    def initial_for(policies: dict[int, Targets]) -> dict:
        document = sla_document(policies)
        return {f"{severity}-{name}": value for severity, values in document.items() for name, value in values.items()}

    def rows(self):
        """(severity, [(bound field, column label)]) in the order of the table's columns."""
        return [
            (severity, [(self[f"{severity}-{name}"], label) for name, label in SLA_COLUMNS]) for severity in SEVERITIES
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        self.document = {
            str(severity): {
                name: data[f"{severity}-{name}"] for name in (*SLA_FIELDS, "warning_minutes")
            } for severity in SEVERITIES
        }  # fmt: skip
        return data

    def add_document_error(self, error: SlaDocumentError) -> None:
        severity, _dot, name = error.field.partition(".")
        field = f"{severity}-{name}"
        self.add_error(field if field in self.fields else None, error.message)
