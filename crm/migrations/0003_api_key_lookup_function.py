from django.db import migrations

# One round trip for the API-key lookup that runs on every storefront request: expose the
# presented prefix to the row-level-security lookup policy, read the key, close the policy
# again. A plpgsql body runs its statements in order, which one SQL statement that calls
# set_config() in a subquery does not guarantee. SECURITY INVOKER (the default): the
# caller's role and every policy still apply.
FUNCTION_SQL = """
CREATE FUNCTION crm_api_key_lookup(p_prefix text) RETURNS SETOF crm_apikey
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM set_config('app.api_key_prefix', p_prefix, true);
    RETURN QUERY SELECT * FROM crm_apikey WHERE prefix = p_prefix;
    PERFORM set_config('app.api_key_prefix', '', true);
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_tenancy")]

    operations = [
        migrations.RunSQL(FUNCTION_SQL, "DROP FUNCTION crm_api_key_lookup(text);"),
    ]
