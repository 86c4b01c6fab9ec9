"""The order-change handler: earn on paid orders, claw back on refunds and cancellations,
give back the points an order was paid with when it is refunded. It runs inside the order
write's transaction, once per batch.

- Earn: an order entering a paid status posts one earn entry, pending until the return
  window ends. The unique (shop, order) earn constraint with ON CONFLICT DO NOTHING makes
  replays and concurrent writes of the same order earn once.
- Refund: what an order's refunds take back is computed from the order's cumulative refunded
  share and what earlier clawbacks already took, under the account lock, so each refund
  (or a replay of it) takes back exactly its part, once. Points already spent become a
  debt (a negative `remaining`) that later points pay first.
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Sum
from django.utils.translation import gettext as _

from crm.models import Shop
from loyalty.models import EntryKind, LedgerEntry, LoyaltyAccount, LoyaltyProgram
from loyalty.rules import points_for_amount, pro_rata
from loyalty.selectors import local_date, program_get, tier_rules_at
from loyalty.services.accounts import accounts_ensure, accounts_lock, tiers_recompute
from loyalty.services.ledger import _take, debts_pay, expiry_for, pending_until, returned_lot
from orders.events import OrderChange
from orders.models import Order, OrderStatus, Refund

PAID = frozenset(OrderStatus.counted()) - {OrderStatus.PARTIALLY_REFUNDED}
REVERSED = frozenset({OrderStatus.REFUNDED, OrderStatus.CANCELLED})


def _earns(changes: Sequence[OrderChange]) -> list[OrderChange]:
    return [c for c in changes if c.to_status in PAID and c.from_status not in OrderStatus.counted()]


def _reversals(changes: Sequence[OrderChange]) -> list[OrderChange]:
    return [c for c in changes if c.refund_amount > 0 or (c.to_status in REVERSED and c.from_status != c.to_status)]


def order_changes_apply(shop: Shop, changes: Sequence[OrderChange]) -> None:
    """The handler registered with orders (loyalty/apps.py)."""
    earns, reversals = _earns(changes), _reversals(changes)
    if not earns and not reversals:
        return
    program = program_get(shop=shop)
    if not program.is_enabled:
        return
    at = max(change.changed_at for change in changes)
    touched = _earn(shop, program, earns) if earns else set()
    if reversals:
        touched |= _reverse(shop, program, reversals)
    if touched:
        tiers_recompute(shop=shop, program=program, at=at, customer_ids=sorted(touched))


def _earn(shop: Shop, program: LoyaltyProgram, changes: list[OrderChange]) -> set[int]:
    customer_ids = sorted({change.customer_id for change in changes})
    accounts_ensure(shop=shop, customer_ids=customer_ids)
    tier_of = dict(LoyaltyAccount.objects.filter(customer_id__in=customer_ids).values_list("customer_id", "tier_name"))
    tiers = {tier.name: tier for tier in tier_rules_at(shop=shop, day=local_date(shop, changes[0].changed_at))}
    rows = []
    for change in changes:
        tier = tiers.get(tier_of.get(change.customer_id, ""))
        multiplier = tier.points_multiplier if tier else Decimal("1")
        points = points_for_amount(change.total, per_unit=program.points_per_unit, multiplier=multiplier)
        growth = points_for_amount(change.total, per_unit=program.growth_per_unit)
        rule = _("%(rate)s per unit × %(multiplier)s (%(tier)s)") % {
            "rate": program.points_per_unit, "multiplier": multiplier, "tier": tier.name if tier else "-",
        }  # fmt: skip
        available_at = pending_until(program, change.changed_at)
        rows.append((
            shop.pk, change.customer_id, change.order_id, points, growth, points,
            rule[:200], change.changed_at, available_at, expiry_for(program, change.changed_at),
        ))  # fmt: skip
    earned = _earn_insert(rows)
    debtors = set(
        LedgerEntry.objects.filter(customer_id__in=sorted(earned), remaining__lt=0).values_list(
            "customer_id", flat=True
        )
    )
    if debtors:
        accounts_lock(shop=shop, customer_ids=sorted(debtors))
        for customer_id in sorted(debtors):
            debts_pay(customer_id=customer_id, at=changes[0].changed_at)
    return earned


def _earn_insert(rows: list[tuple]) -> set[int]:
    """Insert the earn entries that do not exist yet; the customers that earned."""
    columns = "shop_id, customer_id, order_id, points, growth, remaining, rule, created_at, available_at, expires_at"
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO loyalty_ledgerentry ({columns}, kind, is_pending, order_external_id, reason) "
            f"SELECT v.*, 'earn', true, '', '' FROM (VALUES {values}) AS v({columns}) "
            "ON CONFLICT DO NOTHING RETURNING customer_id",
            [value for row in rows for value in row],
        )
        return {customer_id for (customer_id,) in cursor.fetchall()}


def _refunded_shares(order_ids: list[int], reversed_ids: set[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """order id -> (refunded, total): everything for refunded or cancelled orders."""
    orders = dict(Order.objects.filter(pk__in=order_ids).values_list("pk", "total"))
    refunds = dict(
        Refund.objects.filter(order_id__in=order_ids)
        .values_list("order_id")
        .annotate(s=Sum("amount"))
        .values_list("order_id", "s")
    )
    return {
        order_id: (total if order_id in reversed_ids else min(refunds.get(order_id) or Decimal("0"), total), total)
        for order_id, total in orders.items()
    }


def _reverse(shop: Shop, program: LoyaltyProgram, changes: list[OrderChange]) -> set[int]:
    order_ids = sorted({change.order_id for change in changes})
    reversed_ids = {c.order_id for c in changes if c.to_status in REVERSED}
    shares = _refunded_shares(order_ids, reversed_ids)
    earns = list(LedgerEntry.objects.filter(kind=EntryKind.EARN, order_id__in=order_ids))
    external_ids = dict(Order.objects.filter(pk__in=order_ids).values_list("external_id", "pk"))
    redeems = list(LedgerEntry.objects.filter(kind=EntryKind.REDEEM, order_external_id__in=list(external_ids)))
    customer_ids = sorted({entry.customer_id for entry in earns + redeems})
    if not customer_ids:
        return set()
    accounts_lock(shop=shop, customer_ids=customer_ids)
    at = max(change.changed_at for change in changes)
    for earn in earns:
        _claw_back(shop, earn, *shares[earn.order_id], at=at)
    for redeem in redeems:
        _give_back(shop, program, redeem, *shares[external_ids[redeem.order_external_id]], at=at)
    for customer_id in customer_ids:
        debts_pay(customer_id=customer_id, at=at)
    return set(customer_ids)


def _taken_so_far(kind: str, **match) -> tuple[int, int]:
    totals = LedgerEntry.objects.filter(kind=kind, **match).aggregate(points=Sum("points"), growth=Sum("growth"))
    return abs(totals["points"] or 0), abs(totals["growth"] or 0)


def _claw_back(shop: Shop, earn: LedgerEntry, refunded: Decimal, total: Decimal, *, at: datetime) -> None:
    earn.refresh_from_db(fields=["remaining"])
    points_taken, growth_taken = _taken_so_far(EntryKind.CLAWBACK, order_id=earn.order_id)
    points = pro_rata(earn.points, refunded=refunded, total=total) - points_taken
    growth = pro_rata(earn.growth, refunded=refunded, total=total) - growth_taken
    if points <= 0 and growth <= 0:
        return
    points = max(points, 0)
    from_lot = min(points, earn.remaining)
    _take([earn], from_lot)
    LedgerEntry.objects.create(
        shop_id=shop.pk, customer_id=earn.customer_id, kind=EntryKind.CLAWBACK, points=-points,
        growth=-max(growth, 0), remaining=-(points - from_lot), order_id=earn.order_id, created_at=at,
        rule=_("Refund of %(refunded)s out of %(total)s") % {"refunded": refunded, "total": total},
    )  # fmt: skip


def _give_back(shop, program, redeem: LedgerEntry, refunded: Decimal, total: Decimal, *, at: datetime) -> None:
    returned, _growth = _taken_so_far(EntryKind.RETURN, order_external_id=redeem.order_external_id)
    points = pro_rata(-redeem.points, refunded=refunded, total=total) - returned
    if points > 0:
        returned_lot(
            shop=shop, program=program, customer_id=redeem.customer_id, points=points, at=at,
            order_external_id=redeem.order_external_id,
            rule=_("Points paid on refunded order %(order)s") % {"order": redeem.order_external_id},
        )  # fmt: skip
