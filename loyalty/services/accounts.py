"""Account rows (the lock target of every balance change) and the tier recompute.

The recompute is one statement per call: it sums each account's growth entries, picks the
tier from the rules in force, updates the accounts whose growth or tier changed and writes
a TierChange row for each change of tier."""

from collections.abc import Sequence
from datetime import datetime

from django.db import connection

from crm.models import Shop
from loyalty.models import LoyaltyAccount, LoyaltyProgram
from loyalty.rules import TierRule
from loyalty.selectors import growth_window_start, local_date, tier_rules_at


def accounts_ensure(*, shop: Shop, customer_ids: Sequence[int]) -> None:
    """An account row for each customer (concurrent callers may race: the unique key decides)."""
    if not customer_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO loyalty_loyaltyaccount (shop_id, customer_id, tier_name, growth_value) "
            "SELECT %s, customer_id, '', 0 FROM unnest(%s::bigint[]) AS customer_id "
            "ON CONFLICT DO NOTHING",
            [shop.pk, sorted(set(customer_ids))],
        )


def accounts_lock(*, shop: Shop, customer_ids: Sequence[int]) -> None:
    """Create and lock the customers' accounts, in id order (so two lockers cannot deadlock)."""
    ids = sorted(set(customer_ids))
    accounts_ensure(shop=shop, customer_ids=ids)
    list(LoyaltyAccount.objects.filter(customer_id__in=ids).order_by("customer_id").select_for_update())


def _tier_case(tiers: Sequence[TierRule]) -> tuple[str, list]:
    if not tiers:
        return "''", []
    whens = " ".join("WHEN g.value >= %s THEN %s" for _ in tiers)
    params = [value for tier in reversed(tiers) for value in (tier.threshold, tier.name)]
    return f"CASE {whens} ELSE '' END", params


def tiers_recompute(
    *, shop: Shop, program: LoyaltyProgram, at: datetime, customer_ids: Sequence[int] | None = None
) -> int:
    """Recompute growth value and tier of the given customers' accounts (all when None) as
    of `at`; returns how many tiers changed."""
    tiers = tier_rules_at(shop=shop, day=local_date(shop, at))
    tier_sql, tier_params = _tier_case(tiers)
    window_start = growth_window_start(program, at)
    window_sql = "AND e.created_at > %s" if window_start else ""
    some_sql = "AND a.customer_id = ANY(%s)" if customer_ids is not None else ""
    params = [
        *([window_start] if window_start else []),
        shop.pk,
        *([list(customer_ids)] if customer_ids is not None else []),
    ]
    sql = f"""
        WITH g AS (
            SELECT a.id, GREATEST(COALESCE(SUM(e.growth), 0), 0) AS value
            FROM loyalty_loyaltyaccount a
            LEFT JOIN loyalty_ledgerentry e
              ON e.shop_id = a.shop_id AND e.customer_id = a.customer_id {window_sql}
            WHERE a.shop_id = %s {some_sql}
            GROUP BY a.id
        ), computed AS (
            SELECT g.id, g.value, {tier_sql} AS tier FROM g
        ), updated AS (
            UPDATE loyalty_loyaltyaccount a
            SET growth_value = c.value, tier_name = c.tier,
                tier_changed_at = CASE WHEN old.tier_name <> c.tier THEN %s ELSE old.tier_changed_at END
            FROM computed c, loyalty_loyaltyaccount old
            WHERE a.shop_id = %s AND a.id = c.id AND old.shop_id = a.shop_id AND old.id = a.id
              AND (old.growth_value <> c.value OR old.tier_name <> c.tier)
            RETURNING a.customer_id, old.tier_name AS old_tier, c.tier AS new_tier
        )
        INSERT INTO loyalty_tierchange (shop_id, customer_id, old_tier, new_tier, changed_at)
        SELECT %s, customer_id, old_tier, new_tier, %s FROM updated
        WHERE old_tier <> new_tier AND NOT (old_tier = '' AND new_tier = %s)
    """
    # A new account entering the entry tier is no change anyone announces.
    entry_tier = tiers[0].name if tiers and tiers[0].threshold == 0 else ""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *tier_params, at, shop.pk, shop.pk, at, entry_tier])
        return cursor.rowcount
