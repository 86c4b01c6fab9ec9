"""Merging two customers combines their points through the ledger; and a property test: any
sequence of earn, spend, settle, refund, adjust and expire keeps the balance equal to the sum
of the entries, and never shows negative available points."""

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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_keeps_the_balance_the_sum_of_the_entries(shop, clock, steps):
    # Each example is a new customer of the one shop (the database is shared by the examples).
    example = next(EXAMPLES)
    program_on(shop, points_expiry_months=1, return_window_days=3)
    now = local(2026, 1, 1, 12)
    orders, customer = [], None
    for number, (action, amount) in enumerate(steps):
        clock(now)
        key = f"{example}-{number}"
        if action == "earn" or customer is None:
            order = paid_order(shop, f"P{key}", f"{amount}.00", customer=f"C{example}", phone=f"139{example:08d}")
            orders.append(order)
            customer = customer_of(shop, order)
        elif action == "spend":
            try:
                with shop_scope(shop.pk):
                    points_redeem(shop=shop, customer=customer, points=amount, order_external_id=f"S{key}")
            except InsufficientPoints:
                pass
        elif action == "refund":
            order = orders[amount % len(orders)]
            try:
                refund(shop, order, str((order.total * amount / 100).quantize(Decimal("0.01")) or Decimal("0.01")))
            except (RefundInvalid, OrderStateError):
                pass
        elif action == "adjust" and amount:
            try:
                with shop_scope(shop.pk):
                    points_adjust(shop=shop, customer=customer, points=amount, reason="property", actor=None)
            except InsufficientPoints:
                pass
        elif action == "days":
            now += timedelta(days=amount)
            with shop_scope(shop.pk):
                loyalty_settle(shop=shop, at=now)
        _check(shop, customer, now)
