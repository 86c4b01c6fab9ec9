"""Fixtures for insights tests: customers with orders placed at chosen local times."""

from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from crm.tenancy.context import shop_scope
from customers.models import Customer
from orders.models import Order, Refund
from tests.customers.factories import CustomerFactory

AS_OF = datetime(2026, 6, 30).date()


def local(shop, day, hour: int = 12) -> datetime:
    """A moment on `day` (a date) at `hour` in the shop's timezone."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=shop.tzinfo)


def order_add(shop, customer, placed_at: datetime, total, status: str = "completed") -> Order:
    """An order written straight through the ORM (the ingest service is tested by orders/)."""
    order_add.counter += 1
    total = Decimal(str(total))
    return Order.objects.create(
        shop=shop, external_id=f"T{order_add.counter}", customer=customer, status=status, placed_at=placed_at,
        currency=shop.currency, subtotal=total, total=total,
    )  # fmt: skip


order_add.counter = 0


def refund_add(shop, order: Order, amount, created_at: datetime) -> Refund:
    return Refund.objects.create(shop=shop, order=order, amount=Decimal(str(amount)), created_at=created_at)


def _purchase_days(rng: np.random.Generator, age_days: int) -> list[int]:
    """Days after the first purchase, drawn as BG/NBD assumes: Poisson purchases at a
    gamma-distributed rate, and after each purchase a beta-distributed chance to drop out."""
    rate, dropout = rng.gamma(2.0, 1 / 60), rng.beta(1.0, 3.0)
    days, elapsed = [0], 0.0
    while rng.random() >= dropout and len(days) < 15:
        elapsed += rng.exponential(1 / rate)
        if elapsed > age_days:
            break
        days.append(int(elapsed))
    return sorted(set(days))


def shop_with_history(shop, *, customers: int = 200, seed: int = 3, as_of=AS_OF) -> list[Customer]:
    """`customers` customers who started buying 30-365 days before `as_of`, with enough
    repeat buyers and drop-outs for BG/NBD and Gamma-Gamma to fit. Call inside the shop's scope."""
    rng = np.random.default_rng(seed)
    people = []
    for index in range(customers):
        customer = CustomerFactory(shop=shop, phone=f"+86137{shop.pk % 100:02d}{index:06d}", email=None)
        people.append(customer)
        age_days = int(rng.integers(30, 365))
        spend = rng.gamma(4.0, 25.0)
        for offset in _purchase_days(rng, age_days):
            day = as_of - timedelta(days=age_days - offset)
            order_add(shop, customer, local(shop, day), round(float(rng.gamma(6.0, spend / 6)) + 1, 2))
    return people


@pytest.fixture
def history(shop):
    with shop_scope(shop.pk):
        return shop_with_history(shop)
