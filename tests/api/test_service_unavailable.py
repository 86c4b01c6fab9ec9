"""While Redis (or PostgreSQL) is unreachable, requests answer 503 with Retry-After: JSON under
/api/, a page elsewhere; never a 500. tests/reliability/ restarts real servers under load."""

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from crm.tasks import sessions_clear_task
from crm.tenancy.context import shop_scope
from orders.models import Order
from tests.conftest import api_client_for
from tests.orders.payloads import order_payload


def _redis_unreachable(settings) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }


@pytest.fixture
def redis_unreachable(settings):
    _redis_unreachable(settings)


def test_the_api_answers_503_json_with_retry_after_and_writes_nothing(shop, redis_unreachable):
    client: APIClient = api_client_for(shop)
    client.raise_request_exception = False

    response = client.post("/api/v1/orders/", order_payload("A1"), format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "service_unavailable"
    with shop_scope(shop.pk):
        assert not Order.objects.exists()


def test_a_staff_page_answers_503_with_retry_after(shop, owner, settings):
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    _redis_unreachable(settings)  # where the signed-in session lives

    response = client.get(reverse("orders:list", kwargs={"shop_slug": shop.slug}))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Back in a moment" in response.content.decode()


def test_a_redis_restart_that_kept_nothing_signs_nobody_out(client, shop, owner):
    client.force_login(owner)
    cache.clear()  # what Redis holds after a restart without persistence

    response = client.get(reverse("orders:list", kwargs={"shop_slug": shop.slug}))

    assert response.status_code == 200


def test_expired_sessions_are_cleared_and_live_ones_kept(client, owner):
    client.force_login(owner)
    expired = SessionStore()
    expired.set_expiry(-1)
    expired.save()

    sessions_clear_task()

    assert list(Session.objects.values_list("session_key", flat=True)) == [client.session.session_key]
