"""The {name} variables of macros and of the messages sent about a ticket."""

import re
import string

from django.utils.translation import gettext as _

# Filled by tickets (order_number, amount) or by messaging (customer_name, shop_name).
VARIABLES = ("customer_name", "shop_name", "order_number", "amount")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def template_problems(body: str) -> list[str]:
    """Why `body` is not a usable template: unknown or malformed placeholders."""
    try:
        names = [field for _text, field, _spec, _conversion in string.Formatter().parse(body) if field is not None]
    except ValueError:
        return [_("Unbalanced braces: write a variable as {customer_name}.")]
    unknown = sorted({name for name in names if name not in VARIABLES})
    if unknown:
        return [
            _("Unknown variables: %(names)s. Use: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(f"{{{name}}}" for name in VARIABLES)}
        ]
    return []


def template_render(body: str, values: dict[str, str]) -> str:
    """`body` with each known variable replaced by its value (missing ones by "")."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        return str(values.get(name, "")) if name in VARIABLES else match.group(0)

    return _PLACEHOLDER.sub(value, body)
