"""Substring search: trigram indexes and the one function allowed to use them.

Under row-level security PostgreSQL only turns LEAKPROOF conditions into index conditions,
and LIKE/ILIKE are not leakproof, so the app role can never use a trigram index. The
function `customer_search_ids` runs as `shopcrm_search` (created by scripts/bootstrap.py
and deploy/postgres-init.sql: NOLOGIN, BYPASSRLS, a member of nothing), which may read
only the columns a search needs. It filters by the shop in the same transaction-local
setting the policies read (no setting, no rows) and returns candidate ids only: the
caller's query still reads the rows under row-level security and the scoped manager.
See docs/customers.md, "Search, filters and pages of results".
"""

from django.db import migrations

SEARCH_ROLE, APP_ROLE = "shopcrm_search", "shopcrm_app"
FUNCTION = "customer_search_ids"
SIGNATURE = f"{FUNCTION}(text, text, bigint, integer)"
TRIGRAM_INDEXES = {
    "customer_name_trgm": "name",
    "customer_phone_trgm": "phone",
    "customer_email_trgm": "email",
}

# plpgsql, not SQL: its statements get custom plans (plan_cache_mode), so the planner sees
# the actual pattern and limit and picks the trigram index for rare text or the (shop, id)
# key read backwards for text that many rows contain. The row comparison keeps that scan
# on the shop's own key, not on the primary key through other shops' newer rows (as in
# customers/selectors/listing.py). search_path: pg_temp last, so a caller's temporary
# table cannot stand in for the table.
FUNCTION_SQL = rf"""
CREATE FUNCTION {FUNCTION}(
    p_text text, p_digits text, p_before bigint, p_limit integer
) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    current_shop bigint := NULLIF(current_setting('app.shop_id', true), '')::bigint;
    pattern text := '%' || replace(replace(replace(coalesce(p_digits, p_text), '\', '\\'), '%', '\%'), '_', '\_')
        || '%';
BEGIN
    IF current_shop IS NULL THEN
        RETURN;
    END IF;
    IF p_digits IS NOT NULL THEN
        RETURN QUERY SELECT c.id FROM public.customers_customer AS c
            WHERE c.shop_id = current_shop AND c.merged_into_id IS NULL AND c.id < p_before
                AND (c.shop_id, c.id) < (current_shop, p_before)
                AND c.phone LIKE pattern
            ORDER BY c.id DESC LIMIT p_limit;
    ELSE
        RETURN QUERY SELECT c.id FROM public.customers_customer AS c
            WHERE c.shop_id = current_shop AND c.merged_into_id IS NULL AND c.id < p_before
                AND (c.shop_id, c.id) < (current_shop, p_before)
                AND (c.name ILIKE pattern OR c.email ILIKE pattern)
            ORDER BY c.id DESC LIMIT p_limit;
    END IF;
END
$$;
"""

FORWARDS = [
    *(
        f"CREATE INDEX CONCURRENTLY {name} ON customers_customer USING gin (shop_id int8_ops, {column} gin_trgm_ops)"
        for name, column in TRIGRAM_INDEXES.items()
    ),
    FUNCTION_SQL,
    f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC",
    f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP_ROLE}",
    f"GRANT USAGE ON SCHEMA public TO {SEARCH_ROLE}",
    f"GRANT SELECT (id, shop_id, merged_into_id, name, phone, email) ON customers_customer TO {SEARCH_ROLE}",
    # A new owner needs CREATE on the function's schema at the moment of the change only.
    f"GRANT CREATE ON SCHEMA public TO {SEARCH_ROLE}",
    f"ALTER FUNCTION {SIGNATURE} OWNER TO {SEARCH_ROLE}",
    f"REVOKE CREATE ON SCHEMA public FROM {SEARCH_ROLE}",
]
BACKWARDS = [
    f"DROP FUNCTION {SIGNATURE}",
    f"REVOKE SELECT (id, shop_id, merged_into_id, name, phone, email) ON customers_customer FROM {SEARCH_ROLE}",
    f"REVOKE USAGE ON SCHEMA public FROM {SEARCH_ROLE}",
    *(f"DROP INDEX CONCURRENTLY {name}" for name in TRIGRAM_INDEXES),
]


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY: a million customers stay writable while the indexes build
    dependencies = [("customers", "0005_search_index_only")]

    operations = [migrations.RunSQL(FORWARDS, BACKWARDS)]
