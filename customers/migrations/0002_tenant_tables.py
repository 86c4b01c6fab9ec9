from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations

from crm.tenancy.migrations import TenantTableBeforeCompositeKeys as TenantTable


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial"), ("crm", "0002_tenancy")]

    operations = [
        # Customer first: every other table here points at it with a composite FK.
        TenantTable("customer"),
        TenantTable("customerchannelid"),
        TenantTable("customerattributedefinition"),
        TenantTable("customerconsent"),
        TenantTable("consentevent"),
        TenantTable("tag"),
        TenantTable("customertag"),
        TenantTable("customernote"),
        TenantTable("customermerge"),
        # btree_gin lets trigram GIN indexes start with shop_id (a trusted extension in PG13+,
        # so the owner role can create it).
        BtreeGinExtension(),
    ]
