"""One way to show money, counts and times on every page, in both languages: amounts with
two decimals and thousands separators (`63,088.00`), counts grouped the same way, times
as `2026-12-06 10:27` in the timezone in effect (the shop's, on shop pages). Django's own
localized formats differ between en and zh-hans (no separators in Chinese, US-style
dates in English), which is exactly what staff found confusing."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import phonenumbers
from django import template
from django.utils import timezone

from crm.platform.reasons import reason_render

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def money(value, currency: str = "") -> str:
    """`63088.5|money:"CNY"` -> `63,088.50 CNY`; blank for no value."""
    amount = _decimal(value)
    if amount is None:
        return ""
    text = f"{amount:,.2f}"
    return f"{text} {currency}" if currency else text


@register.filter
def number(value, places: int = 0) -> str:
    """A count or measure with thousands separators and `places` decimals."""
    amount = _decimal(value)
    return "" if amount is None else f"{amount:,.{int(places)}f}"


@register.filter
def when(value) -> str:
    """A moment as `YYYY-MM-DD HH:MM` in the current timezone; a date as `YYYY-MM-DD`."""
    if isinstance(value, datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return moment.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return ""


@register.filter
def day(value) -> str:
    """The calendar day of a moment (in the current timezone) or of a date."""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, date) else ""


@register.filter
def phone(value) -> str:
    """An E.164 number grouped for reading: `+8615000780617` -> `+86 150 0078 0617`."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def reason(stored: dict) -> str:
    """A stored reject's reason in the reader's language (crm/platform/reasons.py)."""
    return reason_render(stored.get("reason", ""), stored.get("detail") or {})
