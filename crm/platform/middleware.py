import re
import uuid

from django.http import Http404

from crm.platform.request_context import request_id_var
from crm.platform.text import text_problem
from crm.shops.views.errors import parameter_invalid

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Takes a well-formed X-Request-ID from the proxy or makes one; echoes it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class NoStoreMiddleware:
    """Pages, exports and API answers carry personal data: neither a shared cache nor the
    browser's disk may keep them. (Static files are answered before this runs.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Cache-Control"] = "private, no-store"
        return response


class NullCharacterMiddleware:
    """Refuses a NUL character in the URL: in the path a 404 (no key can hold one), in the
    query string a 400 naming the parameter (crm.platform.text). PostgreSQL text cannot hold NUL, so
    no stored value could match one, and passed on to SQL it raised (a 500 from every search
    and text filter, and from the order pages and endpoints keyed by external id)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            raise Http404
        for name, values in request.GET.lists():
            if problem := text_problem(name) or next(filter(None, map(text_problem, values)), None):
                return parameter_invalid(request, name.replace("\x00", ""), problem)
        return self.get_response(request)
