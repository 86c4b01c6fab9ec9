from django.db import migrations

from crm.tenancy.migrations import TenantTableBeforeCompositeKeys as TenantTable


class Migration(migrations.Migration):
    # customers' TenantTable gives customers_customer its (shop_id, id) key, which the
    # composite order -> customer foreign key references.
    dependencies = [("orders", "0001_initial"), ("customers", "0002_tenant_tables")]

    operations = [
        # Referenced tables first: lines, history and refunds point at orders; refund lines at refunds.
        TenantTable("order"),
        TenantTable("orderline"),
        TenantTable("orderstatuschange"),
        TenantTable("refund"),
        TenantTable("refundline"),
        TenantTable("importjob"),
    ]
