"""The search function takes the shop it searches as its first argument and searches only
when that is the transaction's verified shop (crm_current_shop_id(), crm/migrations/0004):
SQL run as the app role cannot make it search another shop by setting app.shop_id.

The argument is also what Citus needs: there the function is a distributed function
co-located with customers_customer and delegated by that argument (crm/platform/postgresql/citus.py),
so each call runs on the node that holds the shop's customers, over the connection the
transaction already uses there (it sees the transaction's own writes), and reads the local
shard as the search role without that role ever logging in to a node. Callers run it as a
statement of its own (customers/selectors/search.py): Citus refuses it inside a query that
itself runs on a shard.
"""

from importlib import import_module

from django.db import migrations

from crm.platform.postgresql import citus

previous = import_module("customers.migrations.0007_search_in_two_steps")
FUNCTION, RECENT_ROWS = previous.FUNCTION, previous.RECENT_ROWS
SIGNATURE = f"{FUNCTION}(bigint, text, boolean, bigint, integer)"

FUNCTION_SQL = rf"""
CREATE FUNCTION {FUNCTION}(
    p_shop bigint, p_query text, p_phone boolean, p_before bigint, p_limit integer
)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    current_shop bigint := p_shop;
    pattern text := '%' || replace(replace(replace(p_query, '\', '\\'), '%', '\%'), '_', '\_') || '%';
    recent_rows integer;
    recent_matches bigint[];
BEGIN
    IF current_shop IS DISTINCT FROM public.crm_current_shop_id() THEN
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


def place(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        if citus.is_placed(cursor):
            citus.distribute_function(cursor, SIGNATURE)


class Migration(migrations.Migration):
    dependencies = [("customers", "0012_same_shop_foreign_keys"), ("crm", "0004_tenant_context")]

    operations = [
        migrations.RunSQL(
            [f"DROP FUNCTION {previous.SIGNATURE}", *previous.function_statements(FUNCTION_SQL, SIGNATURE)],
            [f"DROP FUNCTION {SIGNATURE}", *previous.function_statements(previous.FUNCTION_SQL, previous.SIGNATURE)],
        ),
        migrations.RunPython(place, migrations.RunPython.noop),
    ]
