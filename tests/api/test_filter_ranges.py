"""Filter values out of range: a 400 naming the field (pages: the error shown), never a 500."""

import pytest
from django.urls import reverse

OUT_OF_RANGE = [
    ("customers", "last_order_at__lte", "9999-12-31"),
    ("customers", "last_order_at__gte", "0001-01-01"),
    ("customers", "orders_count__gte", "99999999999"),
    ("customers", "refunds_count__lte", "-99999999999"),
    ("orders", "placed_before", "9999-12-31"),
    ("orders", "placed_after", "0001-01-01T00:00:00"),
]


@pytest.mark.parametrize(("resource", "name", "value"), OUT_OF_RANGE)
def test_api_answers_400_naming_the_field(staff_client, shop, resource, name, value):
    response = staff_client.get(f"/api/v1/s/{shop.slug}/{resource}/", {name: value})
    assert response.status_code == 400
    assert name in response.json()["fields"]


@pytest.mark.parametrize(("resource", "name", "value"), OUT_OF_RANGE)
def test_list_page_shows_the_error(staff_client, shop, resource, name, value):
    response = staff_client.get(reverse(f"{resource}:list", kwargs={"shop_slug": shop.slug}), {name: value})
    assert response.status_code in (200, 400)
    assert response.context["error"]


def test_customer_csv_export_refuses_out_of_range_dates(staff_client, shop):
    response = staff_client.get(f"/api/v1/s/{shop.slug}/customers/export.csv", {"created_at__lte": "9999-12-31"})
    assert response.status_code == 400 and "created_at__lte" in response.json()["fields"]
