import io
import re

from django.core.management import call_command


def test_openapi_schema_validates_without_warnings(db):
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO())


def test_api_docs_are_served_with_local_assets_only(client, db):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert re.findall(r'(?:src|href)="(https?://[^"]+)"', page.content.decode()) == []
    assert client.get("/api/schema/").status_code == 200


def test_health_and_readiness(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready == {"status": "ok", "checks": {"postgres": True, "redis": True}}
