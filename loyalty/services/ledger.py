"""Writes to the points ledger. Every change is a new entry; the only fields changed later
are `remaining` (moved between lots, spends and debts so that sum(points) ==
sum(remaining) stays true) and `is_pending`.

Every spend, clawback and debt payment runs under the customer's account row lock
(accounts_lock), so parallel spends of one balance queue behind each other and each sees
what the previous one left."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop, User
from crm.shops.audit import audit_event_record
from customers.models import Customer
from loyalty.models import EntryKind, LedgerEntry, LoyaltyProgram
from loyalty.rules import add_months
from loyalty.selectors import program_get
from loyalty.services.accounts import accounts_lock, tiers_recompute


class InsufficientPoints(Exception):
    def __init__(self, available: int):
        super().__init__(available)
        self.available = available


class LoyaltyInvalid(ValueError):
    """Input the program refuses: {field: [reasons]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def expiry_for(program: LoyaltyProgram, earned_at: datetime) -> datetime | None:
    return add_months(earned_at, program.points_expiry_months) if program.points_expiry_months else None


def _open_lots(customer_id: int, *, at: datetime, include_pending: bool):
    """Lots to take points from, closest to expiry first (never-expiring ones last)."""
    lots = LedgerEntry.objects.filter(customer_id=customer_id, remaining__gt=0).exclude(expires_at__lte=at)
    if not include_pending:
        lots = lots.filter(is_pending=False)
    return lots.order_by("expires_at", "id")


def _take(lots, points: int) -> int:
    """Take up to `points` from the lots in order; returns how many were taken."""
    taken = 0
    for lot in lots:
        if taken == points:
            break
        part = min(lot.remaining, points - taken)
        lot.remaining -= part
        lot.save(update_fields=["remaining"])
        taken += part
    return taken


def debts_pay(*, customer_id: int, at: datetime) -> int:
    """Pay the customer's debts, oldest first, from any unexpired lot (pending ones too: a
    debt is paid before new points can be spent). Caller holds the account lock."""
    paid = 0
    for debt in LedgerEntry.objects.filter(customer_id=customer_id, remaining__lt=0).order_by("created_at", "id"):
        covered = _take(_open_lots(customer_id, at=at, include_pending=True), -debt.remaining)
        if covered == 0:
            break
        debt.remaining += covered
        debt.save(update_fields=["remaining"])
        paid += covered
    return paid


def available_points(customer_id: int, *, at: datetime) -> int:
    return sum(lot.remaining for lot in _open_lots(customer_id, at=at, include_pending=False))


def _spend_entry(*, shop: Shop, customer: Customer, points: int, at: datetime, **fields) -> LedgerEntry:
    """Take `points` from the available lots and record the spend; caller holds the lock."""
    available = available_points(customer.pk, at=at)
    if points > available:
        raise InsufficientPoints(available)
    _take(_open_lots(customer.pk, at=at, include_pending=False), points)
    return LedgerEntry.objects.create(
        shop_id=shop.pk, customer_id=customer.pk, points=-points, remaining=0, created_at=at, **fields
    )


@transaction.atomic
def points_redeem(*, shop: Shop, customer: Customer, points: int, order_external_id: str) -> tuple[LedgerEntry, bool]:
    """Spend points on an order, once per order: a replay for the same order returns the
    first redemption (created=False); a different amount for it is refused."""
    if points <= 0:
        raise LoyaltyInvalid({"points": [_("Must be a whole number above zero.")]})
    if not order_external_id.strip():
        raise LoyaltyInvalid({"order_external_id": [_("Required.")]})
    accounts_lock(shop=shop, customer_ids=[customer.pk])
    earlier = LedgerEntry.objects.filter(kind=EntryKind.REDEEM, order_external_id=order_external_id).first()
    if earlier is not None:
        if earlier.customer_id != customer.pk or earlier.points != -points:
            raise LoyaltyInvalid({"order_external_id": [_("Points were already redeemed on this order.")]})
        return earlier, False
    entry = _spend_entry(
        shop=shop, customer=customer, points=points, at=timezone.now(), kind=EntryKind.REDEEM,
        order_external_id=order_external_id, rule=_("Redeemed on order %(order)s") % {"order": order_external_id},
    )  # fmt: skip
    return entry, True


@transaction.atomic
def points_adjust(*, shop: Shop, customer: Customer, points: int, reason: str, actor: User | None) -> LedgerEntry:
    """A staff adjustment with its reason, audited: added points are available at once (and
    pay any debt first); removed points come from the available ones, never below zero."""
    reason = (reason or "").strip()
    errors = {}
    if not reason or len(reason) > 500:
        errors["reason"] = [_("Give a reason of at most 500 characters.")]
    if points == 0:
        errors["points"] = [_("Must not be zero.")]
    if errors:
        raise LoyaltyInvalid(errors)
    accounts_lock(shop=shop, customer_ids=[customer.pk])
    now, actor_id = timezone.now(), actor.pk if actor else None
    fields = {"kind": EntryKind.ADJUST, "reason": reason, "actor_user_id": actor_id, "rule": _("Staff adjustment")}
    if points > 0:
        entry = LedgerEntry.objects.create(
            shop_id=shop.pk, customer_id=customer.pk, points=points, remaining=points, created_at=now,
            available_at=now, expires_at=expiry_for(program_get(shop=shop), now), **fields,
        )  # fmt: skip
        debts_pay(customer_id=customer.pk, at=now)
    else:
        entry = _spend_entry(shop=shop, customer=customer, points=-points, at=now, **fields)
    audit_event_record(
        action="loyalty.points_adjust", obj=entry, changes={"customer_id": customer.pk, "points": points}
    )
    return entry


def pending_until(program: LoyaltyProgram, earned_at: datetime) -> datetime:
    return earned_at + timedelta(days=program.return_window_days)


def returned_lot(*, shop: Shop, program: LoyaltyProgram, customer_id: int, points: int, at: datetime, **fields):
    """Points given back (a refunded redemption): available at once, with a fresh expiry."""
    return LedgerEntry.objects.create(
        shop_id=shop.pk, customer_id=customer_id, kind=EntryKind.RETURN, points=points, remaining=points,
        created_at=at, available_at=at, expires_at=expiry_for(program, at), **fields,
    )  # fmt: skip


def customer_recompute(*, shop: Shop, customer_ids: list[int], at: datetime) -> None:
    tiers_recompute(shop=shop, program=program_get(shop=shop), at=at, customer_ids=customer_ids)
