"""Storefront API keys: generation, hashing, `Authorization: Bearer` authentication and
the per-key throttle. Kept apart from api.py because DRF imports these classes from
settings while `rest_framework.views` is still loading."""

import hashlib
import hmac
import secrets
import time

from django.db import connection
from rest_framework import exceptions, throttling
from rest_framework.authentication import BaseAuthentication

from crm.models import ApiKey, ApiKeyScope, Role, Shop, role_at_least
from crm.platform.redis_client import redis_client

API_KEY_PREFIX = "sk_"


def api_key_hash(raw_key: str) -> str:
    # Keys carry 256 random bits, so an unsalted fast hash is safe and keeps auth cheap
    # (a password hasher is deliberately slow, and would be paid on every API call).
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_generate() -> tuple[str, str]:
    """A new raw key and its lookup prefix: `sk_<prefix>.<secret>`."""
    prefix = secrets.token_hex(6)
    return f"{API_KEY_PREFIX}{prefix}.{secrets.token_urlsafe(32)}", prefix


def _columns(model, alias: str) -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


_KEY_FIELDS = [field.attname for field in ApiKey._meta.concrete_fields]
_SHOP_FIELDS = [field.attname for field in Shop._meta.concrete_fields]
_LOOKUP_SQL = (
    f"SELECT {_columns(ApiKey, 'k')}, {_columns(Shop, 's')} "
    "FROM crm_api_key_lookup(%s) k JOIN crm_shop s ON s.id = k.shop_id"
)


def api_key_lookup(prefix: str) -> ApiKey | None:
    """The key with this prefix, its shop attached, in one round trip: the database
    function opens the row-level-security lookup policy for this prefix only (migration
    crm 0003)."""
    with connection.cursor() as cursor:
        cursor.execute(_LOOKUP_SQL, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    api_key = ApiKey.from_db(connection.alias, _KEY_FIELDS, row[: len(_KEY_FIELDS)])
    api_key.shop = Shop.from_db(connection.alias, _SHOP_FIELDS, row[len(_KEY_FIELDS) :])
    return api_key


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
        api_key = api_key_lookup(prefix)
        if api_key is None or not hmac.compare_digest(api_key.key_hash, api_key_hash(raw_key)):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if not api_key.is_active:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        return StorefrontClient(api_key), api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ScopeRequired(exceptions.PermissionDenied):
    default_code = "scope_required"


def api_key_scope_for_role(role: str) -> str:
    """What staff need a manager for (export, erasure, merge, refunds, ...), a key needs
    the admin scope for; the rest a storefront key may do."""
    return ApiKeyScope.ADMIN if role_at_least(role, Role.MANAGER) else ApiKeyScope.STOREFRONT


def api_key_scope_check(api_key: ApiKey, required_scope: str) -> None:
    """The one check of a key's scope: a 403 naming the scope the endpoint needs."""
    if required_scope == ApiKeyScope.ADMIN and api_key.scope != ApiKeyScope.ADMIN:
        raise ScopeRequired(f'This endpoint needs an API key with the "{required_scope}" scope.')


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """Per API key, not per IP (an IP is shared behind NAT and spoofable through forwarded
    headers); staff sessions are not throttled here.

    A fixed-window counter: one pipelined INCR + EXPIRE per request. (DRF's default keeps
    the time of every request in the window and rewrites that list each time: at 6,000
    requests a minute that is a 6,000-item pickle per call.)"""

    scope = "api_key"

    def allow_request(self, request, view):
        if self.rate is None or not isinstance(request.auth, ApiKey):
            return True
        now = time.time()
        window = int(now // self.duration)
        self.retry_after = self.duration - now % self.duration
        key = f"throttle:shop:{request.auth.shop_id}:apikey:{request.auth.pk}:{window}"
        pipeline = redis_client().pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, self.duration + 1)
        count, _ = pipeline.execute()
        return count <= self.num_requests

    def wait(self):
        return self.retry_after
