"""Brute-force protection on every login path, through django-axes.

Axes' authentication backend (first in AUTHENTICATION_BACKENDS) asks the handler below
before any password is checked, so the staff login, the admin login and the password
change form (all of which call `authenticate`) count and refuse alike. Unlike axes' own
handlers, which count a failure after the slow password hash, this one counts the attempt
before it with one atomic Redis INCR: N parallel wrong passwords check at most the budget.

Two budgets per window of `LOGIN_LOCKOUT_SECONDS`:
- (normalised email, client IP): `LOGIN_LOCKOUT_FAILURES`. Not IP alone (a NAT'd office
  would lock itself out) and not email alone (anyone could lock a victim out).
- client IP across all accounts: `LOGIN_ADDRESS_FAILURES`, against one password sprayed
  over many accounts.
A refused attempt checks no password, so the form is no oracle. A successful sign-in
clears its pair and gives its attempt back to the address budget. Keys are hashes, so no
email address is stored in Redis.
"""

import hashlib
import logging

from axes.handlers.base import AxesHandler
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from crm.platform.redis_client import redis_client

logger = logging.getLogger(__name__)

KEY_PREFIX = "login-lockout"


def client_ip(request) -> str:
    """REMOTE_ADDR, or the address the trusted proxies saw when `NUM_PROXIES` (env) says
    how many reverse proxies stand in front of the app; the same rule DRF's throttles use,
    so a client cannot pick its own IP with a forged X-Forwarded-For."""
    num_proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if num_proxies > 0 and forwarded:
        addresses = [address.strip() for address in forwarded.split(",")]
        return addresses[-min(num_proxies, len(addresses))]
    return request.META.get("REMOTE_ADDR", "")


def normalize_username(username: str | None) -> str:
    return (username or "").strip().lower()


def username_of_attempt(request, credentials: dict | None) -> str:
    """`AXES_USERNAME_CALLABLE`: the email as typed into any login form, normalised."""
    return normalize_username((credentials or {}).get("username"))


def _hashed_key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"{KEY_PREFIX}:{kind}:{digest}"


def _pair_key(username: str, ip: str) -> str:
    return _hashed_key("pair", normalize_username(username), ip)


def _address_key(ip: str) -> str:
    return _hashed_key("address", ip)


def _attempts_count(key: str) -> int:
    """Count one attempt; the window starts with the first one."""
    pipeline = redis_client().pipeline(transaction=True)
    pipeline.set(key, 0, ex=settings.LOGIN_LOCKOUT_SECONDS, nx=True)
    pipeline.incr(key)
    return pipeline.execute()[1]


def _attempts(key: str) -> int:
    return int(redis_client().get(key) or 0)


def attempt_succeeded(request, username: str) -> None:
    """The password was right: forget the pair's failures and give the attempt this request
    counted back to the address budget (only that one: a sign-in without a counted attempt
    must not raise the budget)."""
    if not getattr(request, "login_attempt_counted", False):
        return
    request.login_attempt_counted = False
    ip = request.axes_ip_address
    pipeline = redis_client().pipeline(transaction=True)
    pipeline.delete(_pair_key(username, ip))
    pipeline.decr(_address_key(ip))
    pipeline.execute()


def _over_budget(pair_attempts: int, address_attempts: int) -> bool:
    return pair_attempts > settings.LOGIN_LOCKOUT_FAILURES or address_attempts > settings.LOGIN_ADDRESS_FAILURES


class LoginLockoutHandler(AxesHandler):
    """`AXES_HANDLER`: counts in `is_allowed` (before the password check), flags the
    request as locked once a failure used up a budget."""

    def is_allowed(self, request, credentials: dict | None = None) -> bool:
        username, ip = username_of_attempt(request, credentials), request.axes_ip_address
        pair_attempts = _attempts_count(_pair_key(username, ip))
        address_attempts = _attempts_count(_address_key(ip))
        request.login_attempt_counted = True
        if not _over_budget(pair_attempts, address_attempts):
            return True
        request.axes_locked_out = True
        # Log the first refusal of a window only.
        if (
            pair_attempts == settings.LOGIN_LOCKOUT_FAILURES + 1
            or address_attempts == settings.LOGIN_ADDRESS_FAILURES + 1
        ):
            # No email in the log: the client IP and the budget are enough to investigate.
            budget = "pair" if pair_attempts > settings.LOGIN_LOCKOUT_FAILURES else "address"
            logger.warning("login locked", extra={"client_ip": ip, "budget": budget})
        return False

    def get_failures(self, request, credentials: dict | None = None) -> int:
        username, ip = username_of_attempt(request, credentials), request.axes_ip_address
        return _attempts(_pair_key(username, ip))

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        if request is None or request.axes_locked_out:
            return
        username, ip = username_of_attempt(request, credentials), request.axes_ip_address
        # This failure used up a budget: say so now rather than on the next attempt.
        request.axes_locked_out = _over_budget(_attempts(_pair_key(username, ip)) + 1, _attempts(_address_key(ip)) + 1)

    def user_logged_in(self, sender, request, user, **kwargs) -> None:
        if request is not None:
            attempt_succeeded(request, user.get_username())


def lockout_minutes() -> int:
    return max(1, round(settings.LOGIN_LOCKOUT_SECONDS / 60))


def locked_error() -> ValidationError:
    minutes = lockout_minutes()
    message = ngettext(
        "Too many failed sign-in attempts. For your security, signing in to this account from "
        "your network is paused for %(minutes)d minute.",
        "Too many failed sign-in attempts. For your security, signing in to this account from "
        "your network is paused for %(minutes)d minutes.",
        minutes,
    )
    return ValidationError(message, code="locked", params={"minutes": minutes})


class LockoutMessageMixin:
    """For forms that call `authenticate`: a refusal because of the lockout shows the
    lockout message instead of "wrong password"."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                raise locked_error() from None
            raise
