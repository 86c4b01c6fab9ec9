"""OpenAPI: the API-key security scheme, one documented path per endpoint, and the error
responses every operation can give.

Every endpoint is mounted twice (`/api/v1/...` for API keys, `/api/v1/s/{shop_slug}/...`
for staff sessions). The schema shows the storefront path, or the staff path for
staff-only endpoints, so operation ids stay unique."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

STAFF_PREFIX = "/api/v1/s/{shop_slug}/"


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "crm.tenancy.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <API key>"}


def one_path_per_endpoint(endpoints, **kwargs):
    kept = []
    for path, path_regex, method, callback in endpoints:
        staff_only = not getattr(callback.cls, "allow_api_key", True)
        if path.startswith(STAFF_PREFIX) == staff_only:
            kept.append((path, path_regex, method, callback))
    return kept


# The one error body (crm.tenancy.errors) and the statuses any operation may answer with.
ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "detail", "fields"],
    "properties": {
        "code": {"type": "string", "description": "invalid, not_found, not_authenticated, conflict, ..."},
        "detail": {"type": "string", "description": "One line for people: the first problem."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Each invalid field (dotted for nested ones: lines.0.quantity) and its reasons.",
        },
    },
}
ERROR_RESPONSES = {
    "400": "Invalid input: `fields` names each field and the reason.",
    "401": "No credentials, or a malformed, unknown or revoked API key.",
    "403": "The credentials may not do this (role; an API key on a staff-only endpoint; code "
    "`scope_required`: a storefront key where an admin key is needed).",
    "404": "No such object in this shop (another shop's ids are 404 too).",
    "429": "Too many requests for this API key; retry after the Retry-After header.",
}


# Answered by gunicorn before the application sees the request (limit_request_line).
URI_TOO_LONG = {"description": "The URL (with its query string) is longer than 4,094 bytes."}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "Any unique string: the first response is stored for 24 hours and replayed for a retry "
    "with the same key; the same key with another body is a 422, a concurrent retry a 409.",
}


def document_errors(result, **kwargs):
    """Postprocessing hook: the Error schema, the error responses an operation does not
    document itself (400 where it takes a body or query parameters; 414 everywhere) and
    the Idempotency-Key header of POSTs."""
    result["components"].setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result["paths"].values():
        for operation in path_item.values():
            takes_input = "requestBody" in operation or any(
                parameter["in"] == "query" for parameter in operation.get("parameters", [])
            )
            for code, description in ERROR_RESPONSES.items():
                if code != "400" or takes_input:
                    operation["responses"].setdefault(code, {"description": description, "content": content})
            operation["responses"].setdefault("414", URI_TOO_LONG)
        if "post" in path_item:
            path_item["post"].setdefault("parameters", []).append(IDEMPOTENCY_KEY)
    return result
