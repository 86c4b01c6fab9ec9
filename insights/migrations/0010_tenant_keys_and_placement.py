"""Every existing tenant table in the shape TenantTable gives a new one (crm/tenancy/migrations.py):
primary key (shop_id, id), the verified-context policy, and on Citus every table placed. Runs
after the migrations that replaced the single-column foreign keys between tenant tables with
TenantForeignKey, in every app whose tables it converts. One way: the old keys had no use."""

from django.db import migrations

from crm.tenancy.migrations import tenant_tables_convert


def convert(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        tenant_tables_convert(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0005_same_shop_foreign_keys"),
        ("customers", "0012_same_shop_foreign_keys"),
        ("orders", "0006_same_shop_foreign_keys"),
        ("insights", "0009_same_shop_foreign_keys"),
    ]

    operations = [migrations.RunPython(convert)]
