from django.db import migrations

from crm.tenancy.migrations import TenantTableBeforeCompositeKeys as TenantTable


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [
        # A user reads their own memberships before any shop is chosen (shop switcher).
        TenantTable("membership", lookup_sql="user_id = NULLIF(current_setting('app.user_id', true), '')::bigint"),
        # An API key is found by the prefix its caller presented, before its shop is known.
        TenantTable("apikey", lookup_sql="prefix = NULLIF(current_setting('app.api_key_prefix', true), '')"),
        TenantTable("auditevent"),
        TenantTable("idempotencyrecord"),
    ]
