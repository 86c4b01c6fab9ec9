"""The protected base of every shop API.

Invariants of `ShopScopedApi`:
- The shop comes only from the credential: a storefront API key is bound to one shop; a
  staff session must name the shop in the URL (`/api/v1/s/<shop_slug>/...`) and hold a
  membership with at least `required_role`; a key must hold `required_scope` (by default
  the admin scope where staff need a manager). Another shop's slug is a 404.
- The handler runs inside `shop_scope(shop.id)`: ORM scoping and row-level security both
  apply. An exception rolls back the request's transaction, so a failed request writes
  nothing.
- Subclasses may not replace the shop resolution (`initial`, `get_permissions`, ...) —
  see `__init_subclass__`.
"""

import hashlib
from contextlib import ExitStack

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.models import ApiKey, IdempotencyRecord, Role, Shop
from crm.platform.request_context import Actor, acting_as
from crm.tenancy.access import has_role, membership_for_slug
from crm.tenancy.auth import api_key_scope_check, api_key_scope_for_role
from crm.tenancy.context import shop_scope
from crm.tenancy.errors import Conflict, Unprocessable, is_write_conflict

IDEMPOTENCY_LOCK_SECONDS = 300
LAST_USED_RESOLUTION_SECONDS = 60


class IdempotentReplay(Exception):
    def __init__(self, status_code: int, body):
        self.status_code = status_code
        self.body = body


class ShopScopedApi(APIView):
    required_role: str = Role.AGENT
    allow_api_key: bool = True
    # The scope an API key needs; by default the one matching `required_role`.
    required_scope: str | None = None
    idempotent_methods = frozenset({"POST"})

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("initial", "get_permissions", "finalize_response", "handle_exception"):
            if name in cls.__dict__:
                raise TypeError(f"{cls.__name__} may not override {name}: it guards the shop scope")

    # --- shop resolution -------------------------------------------------------------
    def _resolve_shop(self, request, shop_slug: str | None) -> tuple[Shop, Actor]:
        if isinstance(request.auth, ApiKey):
            shop = request.auth.shop
            if not self.allow_api_key:
                raise exceptions.PermissionDenied("API keys cannot use this endpoint.")
            if shop_slug is not None and shop_slug != shop.slug:
                raise exceptions.NotFound()
            api_key_scope_check(request.auth, self.required_scope or api_key_scope_for_role(self.required_role))
            return shop, Actor(api_key_id=request.auth.pk)
        if shop_slug is None:
            raise exceptions.NotFound("Name the shop in the URL: /api/v1/s/<shop_slug>/...")
        membership = membership_for_slug(request.user, shop_slug)
        if not has_role(membership, self.required_role):
            raise exceptions.PermissionDenied("Your role in this shop does not allow this.")
        return membership.shop, Actor(user_id=request.user.pk)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.shop, actor = self._resolve_shop(request, kwargs.get("shop_slug"))
        self._scope = ExitStack()
        self._scope.enter_context(acting_as(actor))
        # The request is one transaction (ATOMIC_REQUESTS) and an error response rolls all
        # of it back (DRF's set_rollback), so the scope needs no savepoint of its own.
        self._scope.enter_context(shop_scope(self.shop.pk, savepoint=False))
        if isinstance(request.auth, ApiKey):
            self._touch_api_key(request.auth)
        self._idempotency_begin(request)

    def _touch_api_key(self, api_key: ApiKey) -> None:
        now = timezone.now()
        if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)

    def _close_scope(self, exc: BaseException | None = None) -> None:
        scope = getattr(self, "_scope", None)
        if scope is not None:
            self._scope = None
            if exc is None:
                scope.close()
            else:
                scope.__exit__(type(exc), exc, exc.__traceback__)

    def handle_exception(self, exc):
        self._close_scope(exc)
        self._idempotency_release()
        if isinstance(exc, IdempotentReplay):
            return Response(exc.body, status=exc.status_code, headers={"Idempotent-Replayed": "true"})
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        if getattr(self, "_scope", None) is not None:
            try:
                self._idempotency_store(response)
            except DatabaseError as exc:
                if not is_write_conflict(exc):
                    # The database went away (a restart): the request's transaction is lost,
                    # so the client's retry must find the key free, not "in progress".
                    self._idempotency_release()
                    raise
                # A concurrent twin stored its response first (on Citus it can also win a
                # distributed deadlock against this one): undo this one's effects.
                self._close_scope(exc)
                response = self.handle_exception(
                    Conflict("A request with this Idempotency-Key completed concurrently.")
                )
            else:
                self._close_scope()
        return super().finalize_response(request, response, *args, **kwargs)

    # --- Idempotency-Key --------------------------------------------------------------
    def _idempotency_begin(self, request) -> None:
        self._idempotency_key = None
        key = request.headers.get("Idempotency-Key", "")
        if request.method not in self.idempotent_methods or not key:
            return
        if len(key) > 255:
            raise exceptions.ValidationError({"Idempotency-Key": ["At most 255 characters."]})
        try:
            body = request.body
        except RawPostDataException:  # a multipart body, read by the parser and not kept
            raise exceptions.ValidationError({"Idempotency-Key": ["Send a JSON body to use this header."]}) from None
        fingerprint = hashlib.sha256(f"{request.method} {request.path}\n".encode() + body).hexdigest()
        record = IdempotencyRecord.objects.filter(key=key).first()
        if record is not None:
            if record.request_fingerprint != fingerprint:
                raise Unprocessable("This Idempotency-Key was used with a different request.")
            raise IdempotentReplay(record.response_status, record.response_body)
        lock = f"idempotency:shop:{self.shop.pk}:{hashlib.sha256(key.encode()).hexdigest()}"
        if not cache.add(lock, 1, timeout=IDEMPOTENCY_LOCK_SECONDS):
            raise Conflict("A request with this Idempotency-Key is still in progress.")
        self._idempotency_key, self._idempotency_fingerprint, self._idempotency_lock = key, fingerprint, lock
        request._request.idempotency_lock = lock  # for idempotency_lock_release

    def _idempotency_store(self, response) -> None:
        """Store the first response (any status below 500; a 5xx is not replayed, so the
        client may retry it) in the same transaction as the request's effects."""
        if not getattr(self, "_idempotency_key", None) or response.status_code >= 500:
            return
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                shop_id=self.shop.pk,
                key=self._idempotency_key,
                request_fingerprint=self._idempotency_fingerprint,
                response_status=response.status_code,
                response_body=response.data,
            )
        lock = self._idempotency_lock
        transaction.on_commit(lambda: cache.delete(lock), robust=True)
        self._idempotency_key = None

    def _idempotency_release(self) -> None:
        if getattr(self, "_idempotency_key", None):
            cache.delete(self._idempotency_lock)
            self._idempotency_key = None


def idempotency_lock_release(http_request) -> None:
    """Free the request's Idempotency-Key lock after the request failed outside the view (the
    database went away at COMMIT): the transaction did not commit, and the client's retry
    must not meet "still in progress" until the lock expires."""
    lock = getattr(http_request, "idempotency_lock", None)
    if lock is not None:
        cache.delete(lock)
