from django.db import migrations

# CustomerScore rows are written a million at a time by one INSERT ... SELECT of the scoring
# run; checking the composite keys TenantTable adds for `run` and `customer` row by row at
# commit took longer than computing the scores (docs/performance.md).
# The rows are derived under row-level security from the shop's own orders, whose composite
# key already ties each customer to the shop, and nothing else writes them (models.py).
# The shop key, RLS and the (shop, run, customer) unique index stay.
COMPOSITE_KEYS = {
    "insights_customerscore_run_id_same_shop": ("run_id", "insights_scoringrun"),
    "insights_customerscore_customer_id_same_shop": ("customer_id", "customers_customer"),
}


class Migration(migrations.Migration):
    dependencies = [("insights", "0003_run_stats_and_composite_keys")]

    operations = [
        migrations.RemoveIndex(model_name="customerscore", name="customer_score_customer_idx"),
        *[
            migrations.RunSQL(
                sql=f'ALTER TABLE insights_customerscore DROP CONSTRAINT "{name}"',
                reverse_sql=(
                    f'ALTER TABLE insights_customerscore ADD CONSTRAINT "{name}" FOREIGN KEY (shop_id, "{column}") '
                    f'REFERENCES "{table}" (shop_id, id) DEFERRABLE INITIALLY DEFERRED'
                ),
            )
            for name, (column, table) in COMPOSITE_KEYS.items()
        ],
    ]
