import os
import subprocess
import sys
from pathlib import Path

from crm.tenancy.auth import ApiKeyRateThrottle

ROOT = Path(__file__).resolve().parents[2]


def test_throttle_counts_per_api_key(api, other_api, monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/min"})
    assert [api.get("/api/v1/shop/").status_code for _ in range(3)] == [200, 200, 200]
    throttled = api.get("/api/v1/shop/")
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert other_api.get("/api/v1/shop/").status_code == 200


def test_deploy_checks_pass_under_production_settings():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.prod",
        "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-enough-0123456789",
        "ALLOWED_HOSTS": "crm.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
