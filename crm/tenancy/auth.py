"""Storefront API keys: generation, hashing, `Authorization: Bearer` authentication and
the per-key throttle. Kept apart from api.py because DRF imports these classes from
settings while `rest_framework.views` is still loading."""

import hashlib
import hmac
import secrets

from rest_framework import exceptions, throttling
from rest_framework.authentication import BaseAuthentication

from crm.models import ApiKey
from crm.tenancy.context import database_lookup_setting

API_KEY_PREFIX = "sk_"


def api_key_hash(raw_key: str) -> str:
    # Keys carry 256 random bits, so an unsalted fast hash is safe and keeps auth cheap
    # (a password hasher would add ~100 ms to every call; PITFALLS 18).
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_generate() -> tuple[str, str]:
    """A new raw key and its lookup prefix: `sk_<prefix>.<secret>`."""
    prefix = secrets.token_hex(6)
    return f"{API_KEY_PREFIX}{prefix}.{secrets.token_urlsafe(32)}", prefix


class StorefrontClient:
    """`request.user` for API-key requests."""

    is_authenticated = True
    is_superuser = False
    pk = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        raw_key = header.removeprefix("Bearer ").strip()
        prefix, _, secret = raw_key.removeprefix(API_KEY_PREFIX).partition(".")
        if not raw_key.startswith(API_KEY_PREFIX) or not prefix or not secret:
            raise exceptions.AuthenticationFailed("Malformed API key.")
        with database_lookup_setting("app.api_key_prefix", prefix):
            api_key = ApiKey.all_shops.select_related("shop").filter(prefix=prefix).first()
        if api_key is None or not hmac.compare_digest(api_key.key_hash, api_key_hash(raw_key)):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if not api_key.is_active:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        return StorefrontClient(api_key), api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """Per API key, not per IP (PITFALLS 16); staff sessions are not throttled here."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return f"throttle:shop:{request.auth.shop_id}:apikey:{request.auth.pk}"
        return None
