"""Error pages: JSON under /api/, the shell's HTML pages elsewhere."""

import sys
from contextlib import suppress

import redis
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.defaults import bad_request as html_bad_request
from django.views.defaults import page_not_found
from django.views.defaults import server_error as html_server_error

from crm.tenancy.api import idempotency_lock_release
from crm.tenancy.errors import (
    json_bad_request,
    json_not_found,
    json_parameter_invalid,
    json_server_error,
    json_service_unavailable,
)

# What a request meets while PostgreSQL or Redis refuses connections or restarts: the
# request's transaction was rolled back, so the client may send it again shortly.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, redis.ConnectionError, redis.TimeoutError)
RETRY_AFTER_SECONDS = 5


def bad_request(request, exception=None):
    if request.path.startswith("/api/"):
        return json_bad_request(request, exception)
    return html_bad_request(request, exception)


def parameter_invalid(request, name: str, reason: str):
    """A query parameter refused before any view runs (crm.platform.middleware)."""
    if request.path.startswith("/api/"):
        return json_parameter_invalid(name, reason)
    return html_bad_request(request, exception=None)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return page_not_found(request, exception)


def server_error(request):
    """Django calls this while handling the exception, so the exception is at hand."""
    if isinstance(sys.exc_info()[1], UNAVAILABLE_ERRORS):
        return service_unavailable(request)
    if request.path.startswith("/api/"):
        return json_server_error(request)
    return html_server_error(request)


def service_unavailable(request):
    with suppress(redis.RedisError):  # Redis may be what is down; then its locks are gone too
        idempotency_lock_release(request)
    if request.path.startswith("/api/"):
        response = json_service_unavailable(request)
    else:  # rendered without a request context: no session, no user, no database
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
