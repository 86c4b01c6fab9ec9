"""One error shape for every API 4xx: {"code": ..., "detail": ..., "fields": {...}}."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"
    default_detail = "The request is well-formed but cannot be processed."


def _flatten(errors, prefix: str = "") -> dict[str, list[str]]:
    """{"lines": [{"quantity": ["..."]}]} -> {"lines.0.quantity": ["..."]}."""
    if isinstance(errors, dict):
        flat: dict[str, list[str]] = {}
        for name, value in errors.items():
            flat.update(_flatten(value, f"{prefix}.{name}" if prefix else str(name)))
        return flat
    if isinstance(errors, list) and errors and not all(isinstance(item, str) for item in errors):
        flat = {}
        for index, value in enumerate(errors):
            if value:
                flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = errors if isinstance(errors, list) else [errors]
    return {prefix or "non_field_errors": [str(message) for message in messages]}


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    return {"code": code, "detail": detail, "fields": fields or {}}


# A deadlock or a serialization failure: PostgreSQL picked this request to give way to a
# concurrent one (on Citus, a distributed deadlock between two requests' shard writes).
_GAVE_WAY = {"40P01", "40001"}


def is_write_conflict(exc: Exception) -> bool:
    """The request's writes collided with another's and were rolled back: answer 409."""
    if isinstance(exc, IntegrityError):
        return True
    return isinstance(exc, OperationalError) and getattr(exc.__cause__, "pgcode", None) in _GAVE_WAY


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif is_write_conflict(exc):
        # A database constraint caught what validation could not (a row referred to was
        # removed meanwhile, a duplicate raced in), or a concurrent request won a lock race;
        # the request's transaction rolls back.
        diagnostics = getattr(exc.__cause__, "diag", None)
        logger.warning("api.write_conflict", extra={"constraint": getattr(diagnostics, "constraint_name", ""),
                                                    "sqlstate": getattr(exc.__cause__, "pgcode", "")})  # fmt: skip
        exc = Conflict("The request conflicts with data changed meanwhile; nothing was saved. Retry it.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first_field, first_messages = next(iter(fields.items()))
        body = error_body("invalid", f"{first_field}: {first_messages[0]}", fields)
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = error_body(codes if isinstance(codes, str) else "error", str(exc.detail))
    return Response(body, status=response.status_code, headers=dict(response.items()))


def json_bad_request(request, exception=None):
    # Django's own refusals before any view runs: too many form fields, a body over the
    # upload limit, a disallowed host, ...
    return JsonResponse(
        error_body("bad_request", "The request could not be read: it is malformed or too large."), status=400
    )


def json_parameter_invalid(name: str, reason: str) -> JsonResponse:
    return JsonResponse(error_body("invalid", f"{name}: {reason}", {name: [reason]}), status=400)


def json_not_found(request, exception=None):
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def json_server_error(request):
    logger.error("api.server_error", extra={"path": request.path})
    return JsonResponse(error_body("server_error", "Internal server error."), status=500)


def json_service_unavailable(request):
    logger.warning("api.service_unavailable", extra={"path": request.path})
    return JsonResponse(
        error_body("service_unavailable", "The service is restarting; nothing was changed. Retry shortly."),
        status=503,
    )
