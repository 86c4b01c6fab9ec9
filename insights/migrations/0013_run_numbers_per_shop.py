from django.db import migrations, models

# Existing runs are numbered in the order each shop requested them. The owner role that
# migrates is subject to the forced row-level security too, so it is lifted for this one
# statement, inside the migration's transaction.
NUMBER_EXISTING = [
    "ALTER TABLE insights_scoringrun NO FORCE ROW LEVEL SECURITY",
    """
UPDATE insights_scoringrun AS run SET number = numbered.number
FROM (SELECT shop_id, id, row_number() OVER (PARTITION BY shop_id ORDER BY created_at, id) AS number
      FROM insights_scoringrun) AS numbered
WHERE run.shop_id = numbered.shop_id AND run.id = numbered.id
""",
    "ALTER TABLE insights_scoringrun FORCE ROW LEVEL SECURITY",
]


class Migration(migrations.Migration):
    dependencies = [
        ('insights', '0012_verbose_names'),
    ]

    operations = [
        migrations.AddField(
            model_name="scoringrun",
            name="number",
            field=models.PositiveIntegerField(editable=False, null=True, verbose_name="run number"),
        ),
        migrations.RunSQL(NUMBER_EXISTING, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="scoringrun",
            name="number",
            field=models.PositiveIntegerField(editable=False, verbose_name="run number"),
        ),
        migrations.AddConstraint(
            model_name="scoringrun",
            constraint=models.UniqueConstraint(fields=("shop", "number"), name="scoring_run_shop_number_uniq"),
        ),
    ]
