"""The search function in two steps, so its cost never rests on the planner's guess of how
common the searched text is (0006's single query trusted it: a rare text the planner took
for a common one read the whole shop row by row).

`customer_search_ids(p_query, p_phone, p_before, p_limit)`: the newest `p_limit` live
customers of the shop in scope below `p_before` whose phone (`p_phone`) or name or email
contains `p_query` (LIKE wildcards in it are literal). First the shop's newest RECENT_ROWS
rows are read: text that many customers contain fills the page there, in a few
milliseconds. Only text rarer than that is looked up in the trigram index (all its
matches, of which the newest are kept), where the cost follows the number of matches.
"""

from importlib import import_module

from django.db import migrations

previous = import_module("customers.migrations.0006_substring_search")
SEARCH_ROLE, APP_ROLE, FUNCTION = previous.SEARCH_ROLE, previous.APP_ROLE, previous.FUNCTION
SIGNATURE = f"{FUNCTION}(text, boolean, bigint, integer)"
RECENT_ROWS = 5000

# plpgsql with custom plans: the planner sees the actual pattern. The row comparison keeps
# the first step on the shop's (shop_id, id) key rather than the primary key through other
# shops' newer rows (as in customers/selectors/listing.py). The second step has no LIMIT
# for the planner to chase with that backward scan. STRICT: any NULL argument, no rows.
# search_path: pg_temp last, so a caller's temporary table cannot stand in for the table.
FUNCTION_SQL = rf"""
CREATE FUNCTION {FUNCTION}(p_query text, p_phone boolean, p_before bigint, p_limit integer)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    current_shop bigint := NULLIF(current_setting('app.shop_id', true), '')::bigint;
    pattern text := '%' || replace(replace(replace(p_query, '\', '\\'), '%', '\%'), '_', '\_') || '%';
    recent_rows integer;
    recent_matches bigint[];
BEGIN
    IF current_shop IS NULL THEN
        RETURN;
    END IF;
    SELECT count(*), array_agg(recent.id ORDER BY recent.id DESC) FILTER (WHERE recent.is_match)
        INTO recent_rows, recent_matches
        FROM (
            SELECT c.id, CASE WHEN p_phone THEN c.phone LIKE pattern
                              ELSE c.name ILIKE pattern OR c.email ILIKE pattern END AS is_match
            FROM public.customers_customer AS c
            WHERE c.shop_id = current_shop AND c.merged_into_id IS NULL AND c.id < p_before
                AND (c.shop_id, c.id) < (current_shop, p_before)
            ORDER BY c.id DESC LIMIT {RECENT_ROWS}
        ) AS recent;
    IF recent_rows < {RECENT_ROWS} OR cardinality(recent_matches) >= p_limit THEN
        RETURN QUERY SELECT unnest(recent_matches[1:p_limit]);
        RETURN;
    END IF;
    RETURN QUERY
        WITH matches AS MATERIALIZED (
            SELECT c.id FROM public.customers_customer AS c
            WHERE c.shop_id = current_shop AND c.merged_into_id IS NULL AND c.id < p_before
                AND CASE WHEN p_phone THEN c.phone LIKE pattern
                         ELSE c.name ILIKE pattern OR c.email ILIKE pattern END
        )
        SELECT matches.id FROM matches ORDER BY matches.id DESC LIMIT p_limit;
END
$$;
"""


def function_statements(function_sql: str, signature: str) -> list[str]:
    """Create the function and hand it to the search role, callable by the app role only."""
    return [
        function_sql,
        f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {signature} TO {APP_ROLE}",
        # A new owner needs CREATE on the function's schema at the moment of the change only.
        f"GRANT CREATE ON SCHEMA public TO {SEARCH_ROLE}",
        f"ALTER FUNCTION {signature} OWNER TO {SEARCH_ROLE}",
        f"REVOKE CREATE ON SCHEMA public FROM {SEARCH_ROLE}",
    ]


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_substring_search")]

    operations = [
        migrations.RunSQL(
            [f"DROP FUNCTION {previous.SIGNATURE}", *function_statements(FUNCTION_SQL, SIGNATURE)],
            [f"DROP FUNCTION {SIGNATURE}", *function_statements(previous.FUNCTION_SQL, previous.SIGNATURE)],
        )
    ]
