"""Brute-force protection for the staff login form.

Failures are counted per (normalized email, client IP) in the shared Redis cache, so a
NAT'd office is not locked out by one mistyped password (lock by IP only) and an
attacker cannot lock a victim out from elsewhere (lock by username only).
After `LOGIN_LOCKOUT_FAILURES` failures within `LOGIN_LOCKOUT_SECONDS` the pair is
locked for `LOGIN_LOCKOUT_SECONDS` from the last counted failure; while locked the
password is not even checked, so the form is no oracle. A successful login clears the
counter. The cache key is a hash, so no email address is stored in Redis.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

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


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def _key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{normalize_username(username)}\x00{ip}".encode()).hexdigest()
    return f"{KEY_PREFIX}:{digest}"


def is_locked(username: str, ip: str) -> bool:
    return (cache.get(_key(username, ip)) or 0) >= settings.LOGIN_LOCKOUT_FAILURES


def failure_record(username: str, ip: str) -> int:
    """Count one failed attempt; returns the failures counted so far in the window."""
    key = _key(username, ip)
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        failures = 1
    if failures >= settings.LOGIN_LOCKOUT_FAILURES:
        cache.touch(key, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        if failures == settings.LOGIN_LOCKOUT_FAILURES:
            # No email in the log: the client IP and the key hash are enough to investigate.
            logger.warning("login locked", extra={"client_ip": ip, "lockout_key": key})
    return failures


def failures_clear(username: str, ip: str) -> None:
    cache.delete(_key(username, ip))


def lockout_minutes() -> int:
    return max(1, round(settings.LOGIN_LOCKOUT_SECONDS / 60))
