"""Checking a campaign as staff or an admin key describe it (the API's JSON and the builder
page both come through here), into the fields of a Campaign. Every problem is reported
per field; nothing is written."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from campaigns.models import DiscountType
from campaigns.services.audience import AudienceInvalid, audience_clean
from messaging.templating import message_template_check
from orders.currencies import ISO_4217_CODES
from orders.validation import datetime_parse, money_parse

MAX_VALID_DAYS = 3650
SHARED_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class CampaignInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid campaign")
        self.errors = errors


class _Errors(dict):
    def add(self, name: str, reason: str) -> None:
        self.setdefault(name, []).append(str(reason))


def campaign_input_clean(data, *, tz: ZoneInfo, default_currency: str) -> dict:
    """The Campaign fields for `data` (see docs/campaigns.md), or CampaignInvalid."""
    if not isinstance(data, dict):
        raise CampaignInvalid({"non_field_errors": [_("Must be a JSON object.")]})
    errors = _Errors()
    fields = {"name": _name(data, errors), **_discount(data.get("discount"), errors)}
    fields["min_spend"] = _money(data, "min_spend", errors) or Decimal("0")
    fields["currency"] = _currency(data, default_currency, errors)
    fields.update(_validity(data, tz, errors))
    fields["per_customer_limit"] = _count(data, "per_customer_limit", errors, default=1)
    fields["usage_limit"] = _count(data, "usage_limit", errors)
    fields["budget"] = _money(data, "budget", errors)
    fields["holdout_percent"] = _percent(data, "holdout_percent", errors, default=10, top=90)
    fields["shared_code"] = _shared_code(data, errors)
    try:
        fields["audience"] = audience_clean(data.get("audience"))
    except AudienceInvalid as error:
        for name, reasons in error.errors.items():
            errors.setdefault(f"audience.{name}", []).extend(reasons)
    if not errors and not fields["shared_code"] and not fields["audience"]:
        errors.add("audience", _("Give a shared code, an audience, or both."))
    fields.update(_message(data, errors))
    if errors:
        raise CampaignInvalid(dict(errors))
    return fields


def _name(data: dict, errors: _Errors) -> str:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        errors.add("name", _("Required: at most 200 characters."))
        return ""
    return name.strip()


def _discount(raw, errors: _Errors) -> dict:
    empty = {"discount_type": "", "discount_amount": None, "discount_percent": None, "discount_cap": None}
    if not isinstance(raw, dict) or raw.get("type") not in DiscountType.values:
        errors.add("discount.type", _("Must be one of: %(types)s.") % {"types": ", ".join(DiscountType.values)})
        return empty
    fields = {**empty, "discount_type": raw["type"]}
    if raw["type"] == DiscountType.FIXED:
        fields["discount_amount"] = _money(raw, "amount", errors, prefix="discount.", required=True)
        if fields["discount_amount"] == 0:
            errors.add("discount.amount", _("Must be more than zero."))
    elif raw["type"] == DiscountType.PERCENT:
        fields["discount_percent"] = _percent(raw, "percent", errors, prefix="discount.", top=100, required=True)
        fields["discount_cap"] = _money(raw, "cap", errors, prefix="discount.")
    return fields


def _money(data: dict, name: str, errors: _Errors, *, prefix: str = "", required: bool = False) -> Decimal | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors.add(prefix + name, _("This field is required."))
        return None
    try:
        return money_parse(value)
    except ValueError as error:
        errors.add(prefix + name, str(error))
        return None


def _count(data: dict, name: str, errors: _Errors, *, default: int | None = None) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        return default
    if type(value) is not int or not 1 <= value < 2**31:
        errors.add(name, _("Must be a whole number of at least 1."))
        return default
    return value


def _percent(data: dict, name: str, errors: _Errors, *, default=None, prefix="", top=100, required=False) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors.add(prefix + name, _("This field is required."))
        return default
    if type(value) is not int or not (1 if required else 0) <= value <= top:
        errors.add(
            prefix + name, _("Must be a whole number from %(low)d to %(top)d.") % {"low": int(required), "top": top}
        )
        return default
    return value


def _currency(data: dict, default: str, errors: _Errors) -> str:
    value = data.get("currency") or default
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in ISO_4217_CODES:
        errors.add("currency", _("Unknown currency: use an ISO 4217 code such as CNY."))
    return code


def _moment(data: dict, name: str, tz: ZoneInfo, errors: _Errors) -> datetime | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    try:
        return datetime_parse(value, tz)
    except ValueError:
        errors.add(name, _("Not a date and time: use ISO 8601, e.g. 2026-11-01T10:00:00+08:00."))
        return None


def _validity(data: dict, tz: ZoneInfo, errors: _Errors) -> dict:
    valid_from, valid_until = _moment(data, "valid_from", tz, errors), _moment(data, "valid_until", tz, errors)
    valid_days = data.get("valid_days")
    if valid_days in (None, ""):
        valid_days = None
    elif type(valid_days) is not int or not 1 <= valid_days <= MAX_VALID_DAYS:
        errors.add("valid_days", _("Must be a whole number of days from 1 to %(top)d.") % {"top": MAX_VALID_DAYS})
        valid_days = None
    if valid_until is not None and valid_days is not None:
        errors.add("valid_days", _("Give valid_until or valid_days, not both."))
    if valid_from and valid_until and valid_until <= valid_from:
        errors.add("valid_until", _("Must be after valid_from."))
    return {"valid_from": valid_from, "valid_until": valid_until, "valid_days": valid_days}


def _shared_code(data: dict, errors: _Errors) -> str:
    code = data.get("code")
    if code in (None, ""):
        return ""
    text = code.strip().upper() if isinstance(code, str) else ""
    if not 4 <= len(text) <= 32 or not set(text) <= SHARED_CODE_CHARS:
        errors.add("code", _("4 to 32 letters, digits, - or _."))
    return text


def _message(data: dict, errors: _Errors) -> dict:
    channel = data.get("message_channel") or ""
    if channel not in ("", "sms", "email"):
        errors.add("message_channel", _("Must be sms, email or empty."))
        channel = ""
    subject, body = data.get("message_subject") or "", data.get("message_body") or ""
    if not isinstance(subject, str) or len(subject) > 200:
        errors.add("message_subject", _("At most 200 characters."))
    if not isinstance(body, str) or len(body) > 2000:
        errors.add("message_body", _("At most 2000 characters."))
    elif channel and not body.strip():
        errors.add("message_body", _("Write the message to send."))
    else:
        for problem in message_template_check(body) + message_template_check(
            subject if isinstance(subject, str) else ""
        ):
            errors.add("message_body", problem)
    return {"message_channel": channel, "message_subject": subject, "message_body": body}
