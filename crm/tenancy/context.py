"""The shop scope: which shop the current request or task acts for.

Invariants:
- The scope lives in a ContextVar and is always reset with its token, so it cannot leak
  to the next request, thread or task (no thread-locals).
- Entering a scope opens a transaction (a savepoint when one is already open) and sets
  `app.shop_id` transaction-locally in it; PostgreSQL row-level security reads that
  setting, so the database refuses other shops' rows even where the ORM scoping is
  bypassed. Leaving the scope restores the previous setting, except that an outermost
  `savepoint=False` scope (the API's) leaves it to end with the enclosing transaction.
- Each setting is set by a `SET LOCAL` statement of its own (Citus propagates those to the
  worker nodes; it does not pass on settings made by a function call), with a signature
  beside it: `<name>_mac` holds an expiry and an HMAC of name, value and expiry under a key
  derived from SECRET_KEY. The database checks it with the copy of the key that only the
  owner role can read
  (`crm_verified_setting`, crm/migrations/0004_tenant_context.py), so SQL run as the app role
  without this process's secret cannot act for a shop it chooses.
- Nothing here trusts input: callers resolve the shop from a credential (API key) or the
  URL plus a membership check before entering the scope.
"""

import functools
import hashlib
import hmac
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction
from django.utils.crypto import salted_hmac

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


# How long a signature is accepted after it was made; it is checked against the start of the
# transaction it is used in, so only the host clocks' skew must fit in it, not the work.
SIGNATURE_SECONDS = 60


@functools.cache
def tenant_context_key() -> bytes:
    return salted_hmac("crm.tenancy.context", "tenant context key", algorithm="sha256").digest()


def setting_signature(name: str, value: str, expires: int) -> str:
    digest = hmac.new(tenant_context_key(), f"{name}={value}.{expires}".encode(), hashlib.sha256).hexdigest()
    return f"{expires}.{digest}"


def _set_database_setting(name: str, value: str) -> None:
    signature = setting_signature(name, value, int(time.time()) + SIGNATURE_SECONDS)
    with connection.cursor() as cursor:
        # One round trip, two statements; the names are this module's constants.
        cursor.execute(f"SET LOCAL {name} = %s; SET LOCAL {name}_mac = %s", [value, signature])


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


def tenant_context_key_install(*, using: str) -> None:
    """Store the key the database checks signatures with, as HMAC's inner and outer pads.
    Run after every migrate, as the owner role, the only one allowed to write it; a connection
    that may not (the app role's flush in tests) leaves it alone."""
    from django.db import connections

    padded = tenant_context_key().ljust(64, b"\0")
    inner, outer = bytes(byte ^ 0x36 for byte in padded), bytes(byte ^ 0x5C for byte in padded)
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN to_regclass('crm_tenant_context_key') IS NOT NULL "
            "THEN has_table_privilege('crm_tenant_context_key', 'INSERT, UPDATE') ELSE false END"
        )
        if not cursor.fetchone()[0]:
            return
        cursor.execute(
            "INSERT INTO crm_tenant_context_key (id, inner_pad, outer_pad) VALUES (1, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET inner_pad = EXCLUDED.inner_pad, outer_pad = EXCLUDED.outer_pad "
            "WHERE crm_tenant_context_key.inner_pad <> EXCLUDED.inner_pad",
            [inner, outer],
        )
