"""Account rows (the lock target of every balance change) and the tier recompute.

The recompute is one statement per call: it sums each customer's growth entries, picks the
tier from the rules in force, writes the accounts whose growth or tier changed (creating
the missing ones in the same upsert) and a TierChange row for each change of tier."""

from collections.abc import Sequence
from datetime import datetime

from django.db import connection

from crm.models import Shop
from crm.platform.postgresql.citus import staged_insert
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
    """Recompute growth value and tier of the given customers (every account holder when
    None) as of `at`, creating the accounts that do not exist yet; returns how many tiers
    changed."""
    tiers = tier_rules_at(shop=shop, day=local_date(shop, at))
    tier_sql, tier_params = _tier_case(tiers)
    window_start = growth_window_start(program, at)
    if customer_ids is None:
        customers_sql, customers_params = "SELECT customer_id FROM loyalty_loyaltyaccount WHERE shop_id = %s", [shop.pk]
    else:
        customers_sql, customers_params = "SELECT unnest(%s::bigint[]) AS customer_id", [list(customer_ids)]
    window_sql = "AND e.created_at > %s" if window_start else ""
    sql = f"""
        WITH customers AS ({customers_sql}),
        g AS (
            SELECT c.customer_id, GREATEST(COALESCE(SUM(e.growth), 0), 0) AS value
            FROM customers c
            LEFT JOIN loyalty_ledgerentry e ON e.shop_id = %s AND e.customer_id = c.customer_id {window_sql}
            GROUP BY c.customer_id
        ), computed AS (
            SELECT g.customer_id, g.value, {tier_sql} AS tier FROM g
        ), changed AS (
            SELECT c.customer_id, c.value, c.tier, COALESCE(a.tier_name, '') AS old_tier
            FROM computed c
            LEFT JOIN loyalty_loyaltyaccount a ON a.shop_id = %s AND a.customer_id = c.customer_id
            WHERE a.id IS NULL OR a.growth_value <> c.value OR a.tier_name <> c.tier
        ), written AS (
            INSERT INTO loyalty_loyaltyaccount (shop_id, customer_id, tier_name, growth_value, tier_changed_at)
            SELECT %s, customer_id, tier, value, CASE WHEN old_tier <> tier THEN %s::timestamptz END FROM changed
            ON CONFLICT (shop_id, customer_id) DO UPDATE SET
                tier_name = EXCLUDED.tier_name, growth_value = EXCLUDED.growth_value,
                tier_changed_at = COALESCE(EXCLUDED.tier_changed_at, loyalty_loyaltyaccount.tier_changed_at)
        )
        INSERT INTO loyalty_tierchange (shop_id, customer_id, old_tier, new_tier, changed_at)
        SELECT %s, customer_id, old_tier, tier, %s FROM changed
        WHERE old_tier <> tier AND NOT (old_tier = '' AND tier = %s)
    """
    # A new account entering the entry tier is no change anyone announces.
    entry_tier = tiers[0].name if tiers and tiers[0].threshold == 0 else ""
    params = [*customers_params, shop.pk, *([window_start] if window_start else []), *tier_params, shop.pk]
    with connection.cursor() as cursor:
        cursor.execute(staged_insert(sql, connection), [*params, shop.pk, at, shop.pk, at, entry_tier])
        return cursor.rowcount
