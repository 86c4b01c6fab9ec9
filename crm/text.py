"""Text PostgreSQL can store. Its text and jsonb types hold neither NUL (0x00) nor a lone
UTF-16 surrogate (which JSON's "\\ud800" escapes let through into a Python str); either one
reaching a query made it raise, a 500. Input paths that do not go through a Django form or
a DRF field (which refuse both) ask here and report the reason on the field."""

from django.utils.translation import gettext as _


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
