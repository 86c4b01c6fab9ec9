from django.db import migrations

# TenantTable gives every tenant table a (shop_id, id) unique key so that other tables can
# point at it with composite foreign keys. Nothing points at a customer score, and the key
# is one more index to update on each of a run's million inserts.
NAME = "insights_customerscore_shop_id_id_uniq"


class Migration(migrations.Migration):
    dependencies = [("insights", "0005_score_shop_index")]

    operations = [
        migrations.RunSQL(
            sql=f'ALTER TABLE insights_customerscore DROP CONSTRAINT "{NAME}"',
            reverse_sql=f'ALTER TABLE insights_customerscore ADD CONSTRAINT "{NAME}" UNIQUE (shop_id, id)',
        )
    ]
