"""The message log filters, shared by the API and the log page. An allow-list: each query
parameter has its own parser and condition; nothing from the request reaches filter() as a key."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.translation import gettext as _

from crm.platform.dates import date_within_bounds
from messaging.models import Channel, MessageStatus

FILTER_PARAMS = ("customer", "rule", "channel", "status", "created_after", "created_before")


class FilterInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class MessageFilters:
    customer: int | None = None
    rule: str = ""  # a whole rule ("care.birthday") or its kind ("birthday")
    channel: str = ""
    status: str = ""
    created_after: date | None = None  # inclusive, in the shop's timezone
    created_before: date | None = None  # inclusive

    def condition(self, tz: ZoneInfo) -> Q:
        condition = Q()
        if self.customer is not None:
            condition &= Q(customer_id=self.customer)
        if self.rule:
            condition &= Q(rule=self.rule) | Q(rule__endswith=f".{self.rule}")
        if self.channel:
            condition &= Q(channel=self.channel)
        if self.status:
            condition &= Q(status=self.status)
        if self.created_after is not None:
            condition &= Q(created_at__gte=datetime.combine(self.created_after, time(), tzinfo=tz))
        if self.created_before is not None:
            condition &= Q(created_at__lt=datetime.combine(self.created_before + timedelta(days=1), time(), tzinfo=tz))
        return condition

    def as_params(self) -> dict[str, str]:
        values = {name: getattr(self, name) for name in FILTER_PARAMS}
        return {name: str(value) for name, value in values.items() if value not in (None, "")}


def message_filters_parse(params) -> MessageFilters:
    """Raises FilterInvalid naming every bad parameter."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    raw = {name: (params.get(name) or "").strip() for name in FILTER_PARAMS}
    if raw["customer"]:
        if raw["customer"].isdigit():
            values["customer"] = int(raw["customer"])
        else:
            errors["customer"] = [_("A customer id (a whole number).")]
    if raw["rule"]:
        values["rule"] = raw["rule"][:64]
    for name, choices in (("channel", Channel.values), ("status", MessageStatus.values)):
        if raw[name] in choices:
            values[name] = raw[name]
        elif raw[name]:
            errors[name] = [_("One of: %(choices)s.") % {"choices": ", ".join(choices)}]
    for name in ("created_after", "created_before"):
        if raw[name]:
            try:
                day = date.fromisoformat(raw[name])
                if not date_within_bounds(day):
                    raise ValueError(day)
                values[name] = day
            except ValueError:
                errors[name] = [_("A date such as 2026-11-01.")]
    if errors:
        raise FilterInvalid(errors)
    return MessageFilters(**values)
