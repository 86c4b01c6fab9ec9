"""Reasons that are stored and read later, in the reader's language.

A worker renders a reject or a failure in its own language (English) when it happens, but
staff read it later in theirs. A `Reason` is that rendered text (a plain `str` to every caller:
API bodies, command output) that also keeps its msgid and parameters. Beside the text, store
`reason_detail(reason)`; `reason_render(text, detail)` renders it again in the active language."""

from django.utils.translation import gettext


class Reason(str):
    """Write the msgid as `gettext_noop("…")` so that makemessages finds it. A parameter may
    itself be a Reason (a job that gave up quotes its last error)."""

    detail: dict

    def __new__(cls, msgid: str, **params):
        params = {name: reason_detail(value) or value for name, value in params.items()}
        detail = {"msgid": msgid, "params": params}
        reason = super().__new__(cls, reason_render("", detail))
        reason.detail = detail
        return reason


def reason_detail(text) -> dict:
    """How to render `text` again: {} for text that is not a Reason."""
    return text.detail if isinstance(text, Reason) else {}


def reason_render(text: str, detail: dict) -> str:
    """The reason in the active language; text stored without detail is looked up in the
    catalogue as it is (most reasons have no parameters)."""
    if not detail:
        return gettext(text) if text else ""
    params = {name: reason_render("", value) if isinstance(value, dict) else value
              for name, value in detail["params"].items()}  # fmt: skip
    try:
        return gettext(detail["msgid"]) % params if params else gettext(detail["msgid"])
    except (KeyError, TypeError, ValueError):  # a translation whose placeholders changed since
        return text or detail["msgid"] % params
