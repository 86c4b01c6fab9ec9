"""Test settings: the same real PostgreSQL and Redis as production, other databases/keys."""

import os

from crm.platform.env import database_from_url
from crm.settings.base import *  # noqa: F403

_url_var = "TEST_DATABASE_OWNER_URL" if os.environ.get("DB_ROLE") == "owner" else "TEST_DATABASE_URL"
DATABASES["default"].update(
    database_from_url(os.environ.get(_url_var, "postgres://shopcrm_app@localhost:5432/shopcrm_test"))
)  # noqa: F405
# Several suites at once on one machine: each sets its own SHOPCRM_TEST_SLOT (scripts/bootstrap.py).
_slot = os.environ.get("SHOPCRM_TEST_SLOT", "")
if _slot:
    DATABASES["default"]["NAME"] += f"_{_slot}"  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# pytest-django must not create or migrate the database: conftest does it as the owner role.
DATABASES["default"]["TEST"] = {"NAME": DATABASES["default"]["NAME"]}  # noqa: F405

REDIS_URL = os.environ.get("TEST_REDIS_URL", REDIS_URL)  # noqa: F405
if _slot:
    REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + f"/{1 + int(_slot)}"
CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = "shopcrm-test"  # noqa: F405
CELERY_BROKER_URL = REDIS_URL
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"api_key": "100000/min"}  # noqa: F405
# Serve static files straight from the source folders; no collectstatic outside production.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
