"""OpenAPI: the API-key security scheme, and one documented path per endpoint.

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
