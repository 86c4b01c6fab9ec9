"""Text PostgreSQL can store. Its text and jsonb types hold neither NUL (0x00) nor a lone
UTF-16 surrogate (which JSON's "\\ud800" escapes let through into a Python str); either one
reaching a query made it raise, a 500. Input paths that do not go through a Django form or
a DRF field (which refuse both) ask here and report the reason on the field."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.platform.reasons import Reason


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None."""
    if value.isprintable():  # the common case: no control characters, no surrogates
        return None
    if "\x00" in value:
        return _("Null characters are not allowed.")
    try:
        value.encode()
    except UnicodeEncodeError:
        return _("Not valid Unicode text (it holds a lone surrogate).")
    return None


def text_required(value: str, *, max_length: int) -> str:
    """`value` stripped; ValueError with the reason unless it is 1 to `max_length`
    characters PostgreSQL can store (a note, a comment)."""
    text = (value or "").strip()
    if not text or len(text) > max_length:
        raise ValueError(Reason(gettext_noop("Write 1 to %(limit)d characters."), limit=max_length))
    if problem := text_problem(text):
        raise ValueError(problem)
    return text
