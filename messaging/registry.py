"""Where apps above messaging plug into it; messaging never imports them.

- MARKETING_SUPPRESSORS: reasons to hold marketing for some customers (tickets: an open
  severe complaint). `fn(shop, customer_ids: list[int]) -> dict[int, str]` returns the held
  customers' ids with the reason shown on their skipped messages. Called at send time, in the
  shop's scope, once per dispatch round for the customers with marketing due.
"""

from collections.abc import Callable

Suppressor = Callable[..., dict[int, str]]

MARKETING_SUPPRESSORS: dict[str, Suppressor] = {}


def marketing_suppressor_register(name: str, fn: Suppressor) -> None:
    assert name not in MARKETING_SUPPRESSORS, f"{name} registered twice"
    MARKETING_SUPPRESSORS[name] = fn


def marketing_suppressor_unregister(name: str) -> None:
    """For tests that register a fake suppressor."""
    MARKETING_SUPPRESSORS.pop(name, None)
