"""Loyalty fixtures: a shop with the program on (1 point and 1 growth per yuan, 7-day
return window, points expiring after 12 months) and helpers that write orders the way
the storefront does, so points come from the real order-change events."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from crm.tenancy.context import shop_scope
from customers.models import Customer
from loyalty.models import LedgerEntry
from loyalty.services import program_update
from orders.services import order_upsert, refund_create
from tests.orders.payloads import order_for_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def program_on(shop, **settings):
    with shop_scope(shop.pk):
        return program_update(shop=shop, data={"is_enabled": True, **settings})


@pytest.fixture
def clock(monkeypatch):
    """`clock(moment)` makes timezone.now() answer `moment` (for every caller that looks it
    up through the module, as the services do)."""

    def set_now(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_now


@pytest.fixture
def program(shop):
    return program_on(shop)


def paid_order(shop, external_id: str, total: str, *, customer: str = "U1", phone: str = "13800000001"):
    """A paid order of one line for `total` yuan; returns the order."""
    payload = order_for_customer(
        external_id, customer, phone, status="paid", subtotal=total, total=total,
        lines=[{"sku": "SKU-1", "quantity": 1, "unit_price": total}],
    )  # fmt: skip
    with shop_scope(shop.pk):
        return order_upsert(shop=shop, data=payload)[0]


def refund(shop, order, amount: str):
    with shop_scope(shop.pk):
        return refund_create(shop=shop, order_id=order.pk, data={"amount": amount})


def customer_of(shop, order) -> Customer:
    with shop_scope(shop.pk):
        return Customer.objects.get(pk=order.customer_id)


def entries(shop, customer) -> list[tuple[str, int, int]]:
    """(kind, points, remaining) of the customer's entries, oldest first."""
    with shop_scope(shop.pk):
        rows = LedgerEntry.objects.filter(customer_id=customer.pk).order_by("id")
        return [(row.kind, row.points, row.remaining) for row in rows]
