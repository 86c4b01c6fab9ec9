"""Another shop's key on this shop's orders: the same 404 as a missing id, nothing changed."""

import pytest
from django.urls import reverse

from crm.tenancy.context import shop_scope
from orders.models import Order, OrderStatusChange, Refund
from tests.orders.payloads import ISSUE_ORDER, order_payload

LIST = reverse("api:orders-list")
BULK = reverse("api:orders-bulk")


@pytest.fixture
def shop_order(api, shop):
    return api.post(LIST, ISSUE_ORDER, format="json").json()


def _state(shop):
    with shop_scope(shop.pk):
        return (
            list(Order.objects.values_list("external_id", "status", "total", "updated_at")),
            OrderStatusChange.objects.count(),
            Refund.objects.count(),
        )


@pytest.mark.parametrize("key_of", [lambda order: order["external_id"], lambda order: str(order["id"])])
def test_detail_get_is_404_like_missing(other_api, shop_order, key_of):
    foreign = other_api.get(reverse("api:orders-detail", kwargs={"key": key_of(shop_order)}))
    missing = other_api.get(reverse("api:orders-detail", kwargs={"key": "no-such-order"}))

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_patch_is_404_and_changes_nothing(other_api, shop, shop_order):
    before = _state(shop)

    foreign = other_api.patch(reverse("api:orders-detail", kwargs={"key": shop_order["id"]}), {"status": "shipped"},
                              format="json")  # fmt: skip
    missing = other_api.patch(reverse("api:orders-detail", kwargs={"key": "999999999"}), {"status": "shipped"},
                              format="json")  # fmt: skip

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert _state(shop) == before


def test_refund_is_404_and_changes_nothing(other_api, shop, shop_order):
    before = _state(shop)

    foreign = other_api.post(reverse("api:orders-refunds", kwargs={"key": shop_order["external_id"]}),
                             {"amount": "1.00"}, format="json")  # fmt: skip
    missing = other_api.post(reverse("api:orders-refunds", kwargs={"key": "no-such-order"}), {"amount": "1.00"},
                             format="json")  # fmt: skip

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert _state(shop) == before


def test_upsert_with_same_external_id_creates_the_other_shops_own_order(other_api, other_shop, shop, shop_order):
    before = _state(shop)

    response = other_api.post(LIST, order_payload(total="98.00"), format="json")
    bulk = other_api.post(BULK, [ISSUE_ORDER], format="json")

    assert response.status_code == 201
    assert bulk.json()["unchanged"] == 1
    assert _state(shop) == before
    with shop_scope(other_shop.pk):
        assert Order.objects.get().pk != shop_order["id"]


def test_list_shows_only_own_orders(other_api, shop_order):
    assert other_api.get(LIST).json()["results"] == []
    assert other_api.get(LIST, {"customer": shop_order["customer"]["id"]}).json()["results"] == []


def test_staff_session_of_other_shop_is_404(client, other_shop, shop, shop_order):
    from tests.conftest import make_user

    stranger = make_user("owner@bike.example")
    client.force_login(stranger)
    url = reverse("staff-api:orders-detail", kwargs={"shop_slug": shop.slug, "key": shop_order["external_id"]})

    assert client.get(url).status_code == 404
    assert client.get(reverse("staff-api:orders-list", kwargs={"shop_slug": shop.slug})).status_code == 404
