"""The shop scope: which shop the current request or task acts for.

Invariants:
- The scope lives in a ContextVar and is always reset with its token, so it cannot leak
  to the next request, thread or task (no thread-locals).
- Entering a scope opens a transaction (a savepoint when one is already open) and sets
  `app.shop_id` transaction-locally in it; PostgreSQL row-level security reads that
  setting, so the database refuses other shops' rows even where the ORM scoping is
  bypassed. Leaving the scope restores the previous setting, except that an outermost
  `savepoint=False` scope (the API's) leaves it to end with the enclosing transaction.
- Nothing here trusts input: callers resolve the shop from a credential (API key) or the
  URL plus a membership check before entering the scope.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction

_current_shop_id: ContextVar[int | None] = ContextVar("current_shop_id", default=None)


class ShopScopeError(RuntimeError):
    """Tenant data was touched with no shop in scope."""


def current_shop_id() -> int | None:
    return _current_shop_id.get()


def require_shop_id() -> int:
    shop_id = _current_shop_id.get()
    if shop_id is None:
        raise ShopScopeError("no shop in scope: enter shop_scope(shop_id) first")
    return shop_id


def _set_database_setting(name: str, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


@contextmanager
def shop_scope(shop_id: int, *, savepoint: bool = True) -> Iterator[int]:
    """Act for `shop_id` inside one transaction; nested scopes restore the outer shop.
    `savepoint=False` (the API, inside its request transaction) saves three round trips: an
    error then rolls back the whole enclosing transaction instead of the scope alone, and an
    outermost scope leaves its setting to end with that transaction (the request's ends
    right after the view; the ORM refuses tenant queries once the scope is left)."""
    if not isinstance(shop_id, int) or isinstance(shop_id, bool) or shop_id <= 0:
        raise ShopScopeError(f"invalid shop id {shop_id!r}")
    previous = _current_shop_id.get()
    token = _current_shop_id.set(shop_id)
    try:
        with transaction.atomic(savepoint=savepoint):
            _set_database_setting("app.shop_id", str(shop_id))
            yield shop_id
            # Reached only on a clean exit; on an error the savepoint or transaction
            # rolls back, and the setting with it.
            if savepoint or previous is not None:
                _set_database_setting("app.shop_id", "" if previous is None else str(previous))
    finally:
        _current_shop_id.reset(token)


@contextmanager
def database_lookup_setting(name: str, value: str) -> Iterator[None]:
    """Expose one row-level-security lookup key (an API key prefix, a user id) for the
    rest of the current transaction's block; used before a shop is known."""
    with transaction.atomic():
        _set_database_setting(name, value)
        yield
        _set_database_setting(name, "")
