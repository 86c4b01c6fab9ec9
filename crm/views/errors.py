"""Error pages: JSON under /api/, the shell's HTML pages elsewhere."""

from django.views.defaults import bad_request as html_bad_request
from django.views.defaults import page_not_found
from django.views.defaults import server_error as html_server_error

from crm.tenancy.errors import json_bad_request, json_not_found, json_parameter_invalid, json_server_error


def bad_request(request, exception=None):
    if request.path.startswith("/api/"):
        return json_bad_request(request, exception)
    return html_bad_request(request, exception)


def parameter_invalid(request, name: str, reason: str):
    """A query parameter refused before any view runs (crm.middleware)."""
    if request.path.startswith("/api/"):
        return json_parameter_invalid(name, reason)
    return html_bad_request(request, exception=None)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return json_server_error(request)
    return html_server_error(request)
