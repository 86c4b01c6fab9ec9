"""Message templates: `{name}` placeholders from a fixed list, rendered in the customer's
language. Pure functions, no ORM."""

import string

from django.utils.translation import gettext as _

PLACEHOLDERS = ("customer_name", "shop_name", "order_number", "amount", "coupon_code", "short_link")

_formatter = string.Formatter()


def message_template_check(body: str) -> list[str]:
    """The template's errors for an editor to show; empty when it renders."""
    try:
        fields = [field for _text, field, spec, conversion in _formatter.parse(body) if field is not None]
    except ValueError as error:
        return [_("The template's braces do not match: %(error)s") % {"error": error}]
    errors = []
    for field in fields:
        if field not in PLACEHOLDERS:
            errors.append(_("Unknown placeholder {%(name)s}; use one of: %(known)s")
                          % {"name": field, "known": ", ".join(PLACEHOLDERS)})  # fmt: skip
    return errors


def text_for_language(texts: dict | str, language: str, fallback: str) -> str:
    """The text in `language`, else the shop's `fallback`, else any there is."""
    if isinstance(texts, str):
        return texts
    for candidate in (language, fallback):
        if texts.get(candidate):
            return texts[candidate]
    return next((text for text in texts.values() if text), "")


def template_render(template: str, values: dict[str, str]) -> str:
    """Fill the placeholders; one missing from `values` renders empty rather than failing
    a send (the editor refused unknown ones already)."""
    return _formatter.vformat(template, (), _Blank(values))


class _Blank(dict):
    def __missing__(self, key):
        return ""


# SMS length: 70 characters fit one SMS; a longer text is split into parts of 67 (each part
# carries a header), the signature counting as text. messaging/static/messaging/sms_counter.js
# counts the same way in the editor.
SMS_SINGLE, SMS_PART = 70, 67


def sms_segments(text: str) -> int:
    """How many SMS `text` (with its 【signature】 and any opt-out text) is billed as."""
    if not text:
        return 0
    if len(text) <= SMS_SINGLE:
        return 1
    return -(-len(text) // SMS_PART)
