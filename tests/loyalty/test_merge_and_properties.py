"""Merging two customers combines their points through the ledger; and a property test: any
sequence of earn, spend, settle, refund, adjust and expire keeps the balance equal to the sum
of the entries, and never shows negative available points."""

import contextlib
import itertools
from datetime import timedelta
from decimal import Decimal

from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.tenancy.context import shop_scope
from customers.services.merge import customer_merge
from loyalty.models import LedgerEntry, LoyaltyAccount
from loyalty.selectors import customer_loyalty
from loyalty.services import InsufficientPoints, loyalty_settle, points_adjust, points_redeem
from orders.services import OrderStateError, RefundInvalid
from tests.loyalty.conftest import customer_of, entries, local, paid_order, program_on, refund


def test_a_merge_moves_every_entry_and_combines_the_balances(shop, program):
    survivor = customer_of(shop, paid_order(shop, "E1", "300.00", customer="U1", phone="13800000001"))
    duplicate = customer_of(shop, paid_order(shop, "E2", "400.00", customer="U2", phone="13800000002"))
    with shop_scope(shop.pk):
        customer_merge(shop=shop, survivor=survivor, duplicate=duplicate)
        state = customer_loyalty(shop, survivor)
        assert not LoyaltyAccount.objects.filter(customer_id=duplicate.pk).exists()
        assert not LedgerEntry.objects.filter(customer_id=duplicate.pk).exists()
    assert [kind for kind, _, _ in entries(shop, survivor)] == ["earn", "earn", "merge"]
    assert (state["points_pending"], state["growth_value"], state["tier"]) == (700, 700, "铜牌")


def _check(shop, customer, at):
    with shop_scope(shop.pk):
        state = customer_loyalty(shop, customer, at=at)
        rows = LedgerEntry.objects.filter(customer_id=customer.pk)
        sums = rows.aggregate(points=Sum("points"), remaining=Sum("remaining"))
    assert state["points_available"] >= 0 and state["points_pending"] >= 0 and state["points_debt"] >= 0
    assert state["points_balance"] == (sums["points"] or 0) == (sums["remaining"] or 0)


EXAMPLES = itertools.count(1)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 500)),
        st.tuples(st.just("spend"), st.integers(1, 400)),
        st.tuples(st.just("refund"), st.integers(1, 100)),  # percent of an earlier order
        st.tuples(st.just("adjust"), st.integers(-200, 200)),
        st.tuples(st.just("days"), st.integers(1, 40)),  # time passes, then the settle runs
    ),
    min_size=1,
    max_size=12,
)


class Run:
    """One example: a new customer of the shop (the examples share the database), a clock."""

    def __init__(self, shop, clock):
        self.shop, self.clock, self.example = shop, clock, next(EXAMPLES)
        self.now, self.orders, self.customer = local(2026, 1, 1, 12), [], None

    def earn(self, key: str, amount: int) -> None:
        order = paid_order(
            self.shop,
            f"P{key}",
            f"{max(abs(amount), 1)}.00",
            customer=f"C{self.example}",
            phone=f"139{self.example:08d}",
        )
        self.orders.append(order)
        self.customer = customer_of(self.shop, order)

    def spend(self, key: str, amount: int) -> None:
        with contextlib.suppress(InsufficientPoints), shop_scope(self.shop.pk):
            points_redeem(shop=self.shop, customer=self.customer, points=amount, order_external_id=f"S{key}")

    def refund(self, key: str, percent: int) -> None:
        order = self.orders[percent % len(self.orders)]
        amount = (order.total * percent / 100).quantize(Decimal("0.01")) or Decimal("0.01")
        with contextlib.suppress(RefundInvalid, OrderStateError):
            refund(self.shop, order, str(amount))

    def adjust(self, key: str, points: int) -> None:
        with contextlib.suppress(InsufficientPoints), shop_scope(self.shop.pk):
            points_adjust(shop=self.shop, customer=self.customer, points=points or 1, reason="property", actor=None)

    def days(self, key: str, days: int) -> None:
        self.now += timedelta(days=days)
        with shop_scope(self.shop.pk):
            loyalty_settle(shop=self.shop, at=self.now)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_keeps_the_balance_the_sum_of_the_entries(shop, clock, steps):
    program_on(shop, points_expiry_months=1, return_window_days=3)
    run = Run(shop, clock)
    for number, (action, amount) in enumerate(steps):
        clock(run.now)
        getattr(run, "earn" if run.customer is None else action)(f"{run.example}-{number}", amount)
        _check(shop, run.customer, run.now)
