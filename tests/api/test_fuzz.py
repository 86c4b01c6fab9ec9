"""Every operation of the published OpenAPI schema, fed generated input (valid and
invalid: wrong types, huge numbers, odd Unicode, missing and unknown fields), answers
without a server error. Schemathesis draws the requests from /api/schema/ and sends them
through the real WSGI application, with a storefront key for the storefront operations and
an owner's session (and CSRF token) for the /s/<shop_slug>/ ones. Ids in paths point at
rows of the shop half of the time, so the handlers behind the 404s are reached too.
Derandomized: the same requests on every run."""

import json
import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import CSRF_SECRET_LENGTH
from django.test import Client
from django.utils.crypto import get_random_string
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from crm.models import Membership
from crm.tenancy.context import shop_scope
from customers.services import customer_create, tag_save
from tests.conftest import api_client_for
from tests.orders.payloads import order_payload

EXAMPLES_PER_OPERATION = 12


# The schema /api/schema/ serves, generated at collection (no database access there).
schema = schemathesis.openapi.from_dict(
    json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
)
schema.app = get_wsgi_application()


@pytest.fixture
def fuzz_shop(shop, owner, manager):
    """The shop with a storefront key, an owner's session, and a row behind each kind of id."""
    api = api_client_for(shop)
    assert api.post("/api/v1/orders/", order_payload("F-1"), format="json").status_code == 201
    with shop_scope(shop.pk):
        customer, _ = customer_create(shop=shop, data={"name": "Fuzz", "phone": "13800138009"})
        tag = tag_save(shop=shop, name="fuzz")
        membership = Membership.objects.get(user=manager)
    session = Client()
    session.force_login(owner)
    csrf_secret = get_random_string(CSRF_SECRET_LENGTH)  # the browser's cookie, echoed in the header
    # As Django's test client does while it handles a request: requests sent straight to
    # the WSGI application end without closing the test's connection (its transaction holds
    # these rows and is rolled back at the end).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield {
        "api_key": api._credentials["HTTP_AUTHORIZATION"],
        "cookies": {**{name: morsel.value for name, morsel in session.cookies.items()}, "csrftoken": csrf_secret},
        "ids": {"customer_id": customer.pk, "tag_id": tag.pk, "membership_id": membership.pk, "key": "F-1",
                "shop_slug": shop.slug},
    }  # fmt: skip
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_server_error(case, fuzz_shop):
    for name, value in (case.path_parameters or {}).items():
        # The slug always: another shop's is a plain 404. Ids half the time.
        if name == "shop_slug" or (name in fuzz_shop["ids"] and zlib.crc32(str(value).encode()) % 2 == 0):
            case.path_parameters[name] = fuzz_shop["ids"][name]
    if case.path.startswith("/api/v1/s/"):
        # The session alone: the schema also offers the storefront key, which the generator fills with junk.
        (case.headers or {}).pop("Authorization", None)
        headers = {"X-CSRFToken": fuzz_shop["cookies"]["csrftoken"]}
        case.call_and_validate(headers=headers, cookies=fuzz_shop["cookies"], checks=[not_a_server_error])
    else:
        case.call_and_validate(headers={"Authorization": fuzz_shop["api_key"]}, checks=[not_a_server_error])
