from django.db import migrations

from crm.tenancy.migrations import TenantTableBeforeCompositeKeys as TenantTable


class Migration(migrations.Migration):
    # Scores point at customers: customers' TenantTable gives them their (shop_id, id) key.
    dependencies = [("insights", "0001_initial"), ("customers", "0002_tenant_tables")]

    operations = [
        # Referenced first: scores and the state row point at runs.
        TenantTable("scoringrun"),
        TenantTable("customerscore"),
        TenantTable("shopscoringstate"),
        TenantTable("segmentmapconfig"),
    ]
