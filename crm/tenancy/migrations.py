"""Migration operation that puts a tenant table behind the database's own boundary.

`TenantTable("customer")` in a migration, after the model's CreateModel, adds:
- a `(shop_id, id)` unique constraint, so other tenant tables can point at this one with
  composite foreign keys;
- for every foreign key to another tenant model, a composite `(shop_id, x_id)` foreign
  key, so no row can point into another shop (a plain foreign key check ignores RLS);
- ENABLE + FORCE row-level security and a policy that compares `shop_id` with the
  transaction-local `app.shop_id` setting. A missing setting is NULL after NULLIF, so the
  comparison is never true and no rows are visible or writable (fails closed).

`lookup_sql` adds a read-only policy for the rare row that must be found before the shop
is known (an API key by its prefix, a user's memberships); it must name a setting that
only that lookup sets.
"""

from django.db.migrations.operations.base import Operation

SHOP_SETTING = "NULLIF(current_setting('app.shop_id', true), '')::bigint"


def _is_tenant_model(model) -> bool:
    return any(field.name == "shop" for field in model._meta.fields)


class TenantTable(Operation):
    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str, lookup_sql: str = ""):
        self.model_name = model_name
        self.lookup_sql = lookup_sql

    def deconstruct(self):
        kwargs = {"model_name": self.model_name}
        if self.lookup_sql:
            kwargs["lookup_sql"] = self.lookup_sql
        return self.__class__.__name__, [], kwargs

    def state_forwards(self, app_label, state):
        pass

    def _statements(self, model) -> tuple[list[str], list[str]]:
        table = model._meta.db_table
        forwards = [
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_shop_id_id_uniq" UNIQUE (shop_id, id)',
            f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
            f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
            f'CREATE POLICY "{table}_shop_isolation" ON "{table}" '
            f"USING (shop_id = {SHOP_SETTING}) WITH CHECK (shop_id = {SHOP_SETTING})",
        ]
        backwards = [
            f'DROP POLICY "{table}_shop_isolation" ON "{table}"',
            f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
            f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
            f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_shop_id_id_uniq"',
        ]
        if self.lookup_sql:
            forwards.append(f'CREATE POLICY "{table}_lookup" ON "{table}" FOR SELECT USING ({self.lookup_sql})')
            backwards.insert(0, f'DROP POLICY "{table}_lookup" ON "{table}"')
        for field in model._meta.fields:
            target = field.related_model
            if not field.many_to_one or field.name == "shop" or not _is_tenant_model(target):
                continue
            name = f"{table}_{field.column}_same_shop"
            forwards.append(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY (shop_id, "{field.column}") '
                f'REFERENCES "{target._meta.db_table}" (shop_id, id) DEFERRABLE INITIALLY DEFERRED'
            )
            backwards.insert(0, f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        return forwards, backwards

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        for statement in self._statements(model)[0]:
            schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        for statement in self._statements(model)[1]:
            schema_editor.execute(statement)

    def describe(self):
        return f"Row-level security and same-shop foreign keys for {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"tenant_{self.model_name.lower()}"
