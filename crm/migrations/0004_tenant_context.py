"""The tenant context the app role cannot forge.

`crm_verified_setting(name)` returns the transaction's setting `name` only when `<name>_mac`
holds an unexpired HMAC-SHA256 of it (crm/tenancy/context.py makes them) under the key in
`crm_tenant_context_key`, which only the owner role can read; otherwise NULL. The key is
stored as its two HMAC pads, so the check needs only the built-in sha256(). SECURITY DEFINER
(owned by the owner role) so that it may read the key; it reads nothing else.
`crm_current_shop_id()` is what every tenant policy compares shop_id with (as a scalar
subquery: evaluated once per statement, and an index condition). The key is written after
every migrate (crm/apps.py).
"""

from functools import partial

from django.db import migrations

from crm.tenancy.migrations import tenant_policies_apply

FUNCTIONS_SQL = r"""
CREATE TABLE crm_tenant_context_key (
    id smallint PRIMARY KEY CHECK (id = 1),
    inner_pad bytea NOT NULL,
    outer_pad bytea NOT NULL
);
REVOKE ALL ON crm_tenant_context_key FROM PUBLIC;
DO $$
DECLARE grantee_name text;
BEGIN
    -- The schema's default privileges granted the app role this table like any other.
    FOR grantee_name IN
        SELECT DISTINCT grantee FROM information_schema.role_table_grants
        WHERE table_name = 'crm_tenant_context_key' AND grantee <> current_user
    LOOP
        EXECUTE format('REVOKE ALL ON crm_tenant_context_key FROM %I', grantee_name);
    END LOOP;
END
$$;

CREATE FUNCTION crm_verified_setting(p_name text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT setting.value
    FROM (
        SELECT current_setting(p_name, true) AS value,
               split_part(current_setting(p_name || '_mac', true), '.', 1) AS expires,
               split_part(current_setting(p_name || '_mac', true), '.', 2) AS digest
    ) AS setting, public.crm_tenant_context_key AS key
    WHERE key.id = 1
        AND CASE WHEN setting.expires ~ '^[0-9]{1,12}$'
                 THEN setting.expires::bigint >= extract(epoch FROM now()) END
        AND encode(sha256(key.outer_pad || sha256(key.inner_pad
            || convert_to(p_name || '=' || setting.value || '.' || setting.expires, 'UTF8'))), 'hex')
            = setting.digest
$$;

CREATE FUNCTION crm_current_shop_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT NULLIF(public.crm_verified_setting('app.shop_id'), '')::bigint $$;
"""


def policies(apps, schema_editor, *, verified: bool = True) -> None:
    with schema_editor.connection.cursor() as cursor:
        tenant_policies_apply(cursor, verified=verified)


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_api_key_lookup_function")]

    operations = [
        migrations.RunSQL(
            FUNCTIONS_SQL,
            "DROP FUNCTION crm_current_shop_id(); DROP FUNCTION crm_verified_setting(text); "
            "DROP TABLE crm_tenant_context_key;",
        ),
        migrations.RunPython(policies, partial(policies, verified=False)),
    ]
