"""Earning, the return window, redeeming, refunds, debt and expiry through the real order
write paths and the settle, with the clock given explicitly in the shop's timezone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.tenancy.context import shop_scope
from loyalty.selectors import customer_loyalty, points_expiring
from loyalty.services import InsufficientPoints, loyalty_settle, points_adjust, points_redeem
from orders.services import order_status_change, order_upsert
from tests.loyalty.conftest import customer_of, entries, local, paid_order, program_on, refund
from tests.orders.payloads import order_for_customer


def _state(shop, customer, at=None):
    with shop_scope(shop.pk):
        return customer_loyalty(shop, customer, at=at)


def _settle(shop, at):
    with shop_scope(shop.pk):
        return loyalty_settle(shop=shop, at=at)


def test_a_paid_order_earns_pending_points_that_become_available_when_the_window_ends(shop, program, clock):
    clock(local(2026, 11, 1, 10, 0))
    order = paid_order(shop, "E1", "128.50")
    customer = customer_of(shop, order)

    state = _state(shop, customer, at=local(2026, 11, 1, 12, 0))
    assert (state["points_pending"], state["points_available"], state["growth_value"]) == (128, 0, 128)

    assert _settle(shop, local(2026, 11, 8, 9, 59)).made_available == 0  # one minute before the window ends
    assert _settle(shop, local(2026, 11, 8, 10, 0)).made_available == 1
    state = _state(shop, customer, at=local(2026, 11, 8, 10, 0))
    assert (state["points_pending"], state["points_available"]) == (0, 128)
    # Settled stays settled: an earlier clock does not make the points pending again.
    _settle(shop, local(2026, 11, 2))
    assert _state(shop, customer)["points_available"] == 128


def test_replayed_and_repeated_status_writes_earn_once(shop, program):
    order = paid_order(shop, "E1", "100.00")
    paid_order(shop, "E1", "100.00")
    with shop_scope(shop.pk):
        order_status_change(shop=shop, order_id=order.pk, status="shipped")
    assert entries(shop, customer_of(shop, order)) == [("earn", 100, 100)]


def test_a_pending_order_earns_nothing_until_paid(shop, program):
    payload = order_for_customer("E1", "U1", "13800000001", status="pending")
    with shop_scope(shop.pk):
        order = order_upsert(shop=shop, data=payload)[0]
        assert entries(shop, customer_of(shop, order)) == []
        order_status_change(shop=shop, order_id=order.pk, status="paid")
    assert entries(shop, customer_of(shop, order)) == [("earn", 98, 98)]


def test_nothing_is_earned_while_the_program_is_off(shop):
    order = paid_order(shop, "E1", "100.00")
    assert entries(shop, customer_of(shop, order)) == []


def _available(shop, total="100.00", external_id="E1"):
    """A customer with `total` points available now (earned a month ago)."""
    order = paid_order(shop, external_id, total)
    _settle(shop, timezone.now() + timedelta(days=8))
    return order, customer_of(shop, order)


def test_redeem_spends_available_points_once_per_order(shop, program):
    _, customer = _available(shop)
    with shop_scope(shop.pk):
        entry, created = points_redeem(shop=shop, customer=customer, points=60, order_external_id="X1")
        replay, created_again = points_redeem(shop=shop, customer=customer, points=60, order_external_id="X1")
        assert (created, created_again, replay.pk) == (True, False, entry.pk)
        with pytest.raises(InsufficientPoints):
            points_redeem(shop=shop, customer=customer, points=41, order_external_id="X2")
    assert _state(shop, customer)["points_available"] == 40


def test_pending_points_cannot_be_spent(shop, program):
    order = paid_order(shop, "E1", "100.00")
    with shop_scope(shop.pk), pytest.raises(InsufficientPoints):
        points_redeem(shop=shop, customer=customer_of(shop, order), points=1, order_external_id="X1")


def test_a_partial_refund_claws_back_pro_rata_in_the_refund_itself(shop, program):
    order = paid_order(shop, "E1", "200.00")
    refund(shop, order, "50.00")
    refund(shop, order, "50.00")
    customer = customer_of(shop, order)
    assert entries(shop, customer) == [("earn", 200, 100), ("clawback", -50, 0), ("clawback", -50, 0)]
    state = _state(shop, customer)
    assert (state["points_pending"], state["growth_value"], state["points_debt"]) == (100, 100, 0)


def test_spent_points_clawed_back_become_a_debt_that_later_points_pay_first(shop, program):
    order, customer = _available(shop)
    with shop_scope(shop.pk):
        points_redeem(shop=shop, customer=customer, points=80, order_external_id="X1")
    refund(shop, order, "100.00")
    state = _state(shop, customer)
    assert (state["points_available"], state["points_debt"], state["points_balance"]) == (0, 80, -80)

    paid_order(shop, "E2", "50.00")
    state = _state(shop, customer)
    assert (state["points_pending"], state["points_debt"], state["points_balance"]) == (0, 30, -30)
    paid_order(shop, "E3", "100.00")
    state = _state(shop, customer)
    assert (state["points_pending"], state["points_debt"], state["points_balance"]) == (70, 0, 70)


def test_refunding_an_order_paid_with_points_returns_them_once(shop, program):
    _, customer = _available(shop)
    with shop_scope(shop.pk):
        points_redeem(shop=shop, customer=customer, points=60, order_external_id="P1")
    paid_with_points = paid_order(shop, "P1", "30.00")
    refund(shop, paid_with_points, "30.00")
    with shop_scope(shop.pk):
        # The refunded order's status written again (a replay) returns nothing more.
        order_upsert(shop=shop, data=order_for_customer("P1", "U1", "13800000001", status="refunded"))
    kinds = [kind for kind, _, _ in entries(shop, customer)]
    assert kinds.count("return") == 1
    assert _state(shop, customer)["points_available"] == 100


def test_points_closest_to_expiry_are_spent_first_and_the_rest_expire(shop, clock):
    program_on(shop, points_expiry_months=1, return_window_days=0)
    clock(local(2026, 1, 10, 12))
    order = paid_order(shop, "E1", "100.00")
    clock(local(2026, 1, 20, 12))
    paid_order(shop, "E2", "50.00")
    customer = customer_of(shop, order)
    _settle(shop, local(2026, 1, 21))
    clock(local(2026, 1, 25))
    with shop_scope(shop.pk):
        points_redeem(shop=shop, customer=customer, points=70, order_external_id="X1")
        assert points_expiring(shop, on=local(2026, 2, 1).date(), within_days=19) == [
            (customer.pk, 30, local(2026, 2, 10).date()),
            (customer.pk, 50, local(2026, 2, 20).date()),
        ]
    assert _settle(shop, local(2026, 2, 10, 12)).expired == 1
    assert entries(shop, customer)[-1] == ("expire", -30, 0)
    state = _state(shop, customer, at=local(2026, 2, 10, 13))
    assert (state["points_available"], state["points_balance"]) == (50, 50)
    assert _settle(shop, local(2026, 2, 10, 12)).expired == 0


def test_staff_adjustments_are_audited_and_never_overdraw(shop, program, owner):
    order = paid_order(shop, "E1", "10.00")
    customer = customer_of(shop, order)
    with shop_scope(shop.pk):
        points_adjust(shop=shop, customer=customer, points=25, reason="Late delivery", actor=owner)
        with pytest.raises(InsufficientPoints):
            points_adjust(shop=shop, customer=customer, points=-26, reason="Typo", actor=owner)
        points_adjust(shop=shop, customer=customer, points=-5, reason="Typo", actor=owner)
        from crm.models import AuditEvent

        assert AuditEvent.objects.filter(action="loyalty.points_adjust").count() == 2
    assert _state(shop, customer)["points_available"] == 20
