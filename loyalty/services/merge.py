"""Merging two customers' loyalty: the duplicate's entries move to the survivor as they
are (each keeps its kind, order, rule and dates, so the history stays readable), a zero
entry records the merge, and the survivor's debts are paid from the combined lots. The
duplicate's account and tier history go; the survivor's tier is recomputed.

Registered for each loyalty model that points at a customer; whichever runs first does the
work (the customers are locked by the merge), the others find nothing left to move."""

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop
from customers.models import Customer
from loyalty.models import EntryKind, LedgerEntry, LoyaltyAccount, TierChange
from loyalty.services.accounts import accounts_lock
from loyalty.services.ledger import customer_recompute, debts_pay


def loyalty_merge(*, shop: Shop, survivor: Customer, duplicate: Customer) -> int:
    accounts_lock(shop=shop, customer_ids=[survivor.pk])
    moved = LedgerEntry.objects.filter(customer_id=duplicate.pk).update(customer_id=survivor.pk)
    moved += LoyaltyAccount.objects.filter(customer_id=duplicate.pk).delete()[0]
    moved += TierChange.objects.filter(customer_id=duplicate.pk).delete()[0]
    if moved:
        now = timezone.now()
        LedgerEntry.objects.create(
            shop_id=shop.pk, customer_id=survivor.pk, kind=EntryKind.MERGE, points=0, created_at=now,
            rule=_("Merged the points of customer #%(customer)s") % {"customer": duplicate.pk},
        )  # fmt: skip
        debts_pay(customer_id=survivor.pk, at=now)
        customer_recompute(shop=shop, customer_ids=[survivor.pk], at=now)
    return moved
