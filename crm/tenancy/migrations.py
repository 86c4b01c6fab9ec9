"""Migration operation that gives a new tenant table its database shape: keyed, bounded,
distributable.

Declare a tenant model as `class Thing(ShopOwnedModel)`, point at other tenant models only
with `TenantForeignKey`, and put `TenantTable("thing")` in the SAME migration as its
CreateModel, after it. TenantTable then:
- makes the primary key `(shop_id, id)` (a model with a CompositePrimaryKey must already start
  it with `shop`), so other tenant tables can point at it with composite keys and Citus can
  distribute it;
- enables and forces row-level security with a policy that compares `shop_id` with the
  verified tenant context, `crm_current_shop_id()` (crm/migrations/0004_tenant_context.py):
  no context, or a forged one, shows and accepts no rows;
- on Citus (once the database has been placed, crm/platform/postgresql/citus.py), distributes the table
  by shop_id, co-located with the other tenant tables (the table keeps the raw setting, the
  only policy Citus accepts there; after the migrate its placements get the verified one);
- adds, for every foreign key to another tenant model, the composite `(shop_id, x_id)` foreign key, so no row can
  point into another shop (a plain foreign key check ignores RLS).
Django adds the table's other foreign keys (to crm_shop, crm_user: reference tables on Citus)
at the end of the migration, after the table is distributed, which is the order Citus needs.

`lookup_sql` adds a read-only policy for the rare row that must be found before the shop
is known (an API key by its prefix, a user's memberships); it must name a setting that
only that lookup sets.
"""

from django.db.migrations.operations.base import Operation

from crm.platform.postgresql import citus

SHOP_POLICY = "shop_id = (SELECT crm_current_shop_id())"
# Citus refuses a subquery in the policy of a distributed table, so on Citus the tables
# themselves carry the raw setting, and each shard placement (what a worker actually reads
# and writes) is then given the verified policy directly (placement_policies_verify).
RAW_SETTING_POLICY = "shop_id = NULLIF(current_setting('app.shop_id', true), '')::bigint"


# The one lookup policy that reads a setting naming its row's owner (a user's memberships,
# before a shop is chosen): signed like the shop. The API-key lookup's prefix is unsigned
# (docs/architecture.md says why).
MEMBERSHIP_LOOKUP = "user_id = (SELECT NULLIF(crm_verified_setting('app.user_id'), '')::bigint)"
RAW_MEMBERSHIP_LOOKUP = "user_id = NULLIF(current_setting('app.user_id', true), '')::bigint"


def shop_policy(cursor) -> str:
    return RAW_SETTING_POLICY if citus.is_citus(cursor) else SHOP_POLICY


def tenant_policies_apply(cursor, *, verified: bool = True) -> None:
    """Point every tenant table's policy, and the membership lookup, at the verified context
    (at the raw setting with verified=False, or on Citus: citus_place then points the tables'
    placements at the verified context)."""
    raw = citus.is_citus(cursor) or not verified
    policy = RAW_SETTING_POLICY if raw else SHOP_POLICY
    for table in citus.tenant_tables(cursor):
        cursor.execute(f'ALTER POLICY "{table}_shop_isolation" ON "{table}" USING ({policy}) WITH CHECK ({policy})')
    lookup = RAW_MEMBERSHIP_LOOKUP if raw else MEMBERSHIP_LOOKUP
    cursor.execute(f"ALTER POLICY crm_membership_lookup ON crm_membership USING ({lookup})")


def citus_place(cursor) -> None:
    """Place the database on Citus (crm/platform/postgresql/citus.py) with the policies Citus
    accepts on the tables: a table whose policy has a subquery cannot be distributed.
    placement_policies_verify then hardens the placements, once this transaction committed."""
    tenant_policies_apply(cursor)
    citus.citus_distribute(cursor)


def placement_policies_verify(cursor) -> None:
    """On Citus, give every shard placement of the placed tenant tables the verified policies
    (a shard is a plain table to its worker, which accepts the subquery). Placements made in
    a transaction are visible to this only after it commits, so it runs after every migrate
    (crm/apps.py) and `manage.py citus_place`; run it again after moving or splitting shards,
    whose new placements copy the table's raw policy. Idempotent; needs the owner role."""
    if not citus.is_placed(cursor):
        return
    cursor.execute("SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = 'crm_membership'::regclass")
    if not cursor.fetchone()[0]:
        return
    # The placements' policies call it inside a worker's shard query, where Citus refuses a
    # read of the key's reference table unless told that this nesting is intended: that
    # read is of the node's own placement, so the result is the same on every node.
    cursor.execute("ALTER FUNCTION crm_verified_setting(text) SET citus.allow_nested_distributed_execution = on")
    placed = citus.placed_tables(cursor)
    for table in citus.tenant_tables(cursor):
        if table in placed:
            policy = f"ALTER POLICY {table}_shop_isolation ON %s USING ({SHOP_POLICY}) WITH CHECK ({SHOP_POLICY})"
            citus.placements_run(cursor, table, policy)
    citus.placements_run(
        cursor, "crm_membership", f"ALTER POLICY crm_membership_lookup ON %s USING ({MEMBERSHIP_LOOKUP})"
    )


def tenant_foreign_keys(model):
    """The model's foreign keys to other tenant models (TenantForeignKey in current models)."""
    return [
        field
        for field in model._meta.fields
        if field.many_to_one
        and field.name != "shop"
        and any(f.name == "shop" for f in field.related_model._meta.fields)
    ]


def composite_foreign_key_sql(table: str, column: str, target_table: str) -> tuple[str, str]:
    """Checked at the end of each statement, not at commit: a violation is an IntegrityError
    of the statement on both engines (Citus reports one found at commit on a worker as a
    failed connection), which the API answers with a 409."""
    name = f"{table}_{column}_same_shop"
    return (
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY (shop_id, "{column}") '
        f'REFERENCES "{target_table}" (shop_id, id) DEFERRABLE INITIALLY IMMEDIATE',
        f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"',
    )


def primary_key_name(cursor, table: str) -> str:
    cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [table])
    return cursor.fetchone()[0]


class TenantTable(Operation):
    reduces_to_sql = False
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

    def _key_statements(self, cursor, model) -> tuple[list[str], list[str]]:
        table = model._meta.db_table
        if model._meta.pk.name != "id":
            if model._meta.pk.fields[0] != "shop":
                raise ValueError(f"{table}: a composite primary key of a tenant table starts with shop")
            return [], []
        name = primary_key_name(cursor, table)
        return (
            [f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}", ADD CONSTRAINT "{name}" PRIMARY KEY (shop_id, id)'],
            [f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}", ADD CONSTRAINT "{name}" PRIMARY KEY (id)'],
        )

    def _policy(self, cursor) -> str:
        return shop_policy(cursor)

    def _security_statements(self, table: str, policy: str) -> tuple[list[str], list[str]]:
        forwards = [
            f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
            f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
            f'CREATE POLICY "{table}_shop_isolation" ON "{table}" USING ({policy}) WITH CHECK ({policy})',
        ]
        backwards = [
            f'DROP POLICY "{table}_shop_isolation" ON "{table}"',
            f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
            f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
        ]
        if self.lookup_sql:
            forwards.append(f'CREATE POLICY "{table}_lookup" ON "{table}" FOR SELECT USING ({self.lookup_sql})')
            backwards.insert(0, f'DROP POLICY "{table}_lookup" ON "{table}"')
        return forwards, backwards

    def _distribute(self, cursor, table: str) -> None:
        if citus.is_placed(cursor) and table not in citus.REFERENCE_TABLES:
            citus.begin_placement(cursor)
            citus.distribute_tenant_table(cursor, table)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        with schema_editor.connection.cursor() as cursor:
            keys = self._key_statements(cursor, model)[0]
            for statement in keys + self._security_statements(table, self._policy(cursor))[0]:
                schema_editor.execute(statement)
            self._distribute(cursor, table)
        for field in tenant_foreign_keys(model):
            schema_editor.execute(composite_foreign_key_sql(table, field.column, field.related_model._meta.db_table)[0])

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        for field in tenant_foreign_keys(model):
            schema_editor.execute(composite_foreign_key_sql(table, field.column, field.related_model._meta.db_table)[1])
        with schema_editor.connection.cursor() as cursor:
            keys = self._key_statements(cursor, model)[1]
        for statement in self._security_statements(table, "")[1] + keys:
            schema_editor.execute(statement)

    def describe(self):
        return f"Tenant key, row-level security, placement and same-shop foreign keys for {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"tenant_{self.model_name.lower()}"


class TenantTableBeforeCompositeKeys(TenantTable):
    """What TenantTable did when the first migrations were written, kept so that a new
    database replays them exactly (later ones drop what this one added by name): a
    `(shop_id, id)` unique key beside the `id` primary key, a policy on the raw setting, no
    placement. insights/migrations/0010_tenant_keys_and_placement.py converts the result."""

    def _policy(self, cursor):
        return RAW_SETTING_POLICY

    def _key_statements(self, cursor, model):
        table = model._meta.db_table
        name = f"{table}_shop_id_id_uniq"
        return (
            [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" UNIQUE (shop_id, id)'],
            [f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'],
        )

    def _distribute(self, cursor, table):
        pass


def tenant_tables_convert(cursor) -> None:
    """Give every existing tenant table the shape TenantTable gives a new one: the primary
    key (shop_id, id) instead of (id) beside a (shop_id, id) unique key (the composite
    foreign keys into the table are moved over to it and checked per statement), the
    verified-context policy, and on Citus its placement. Idempotent; single-column foreign
    keys between tenant tables must be gone first (TenantForeignKey's AlterField migrations
    drop them)."""
    for table in citus.tenant_tables(cursor):
        cursor.execute(
            "SELECT c.conname, a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.conrelid = %s::regclass AND c.contype = 'p'",
            [table],
        )
        name, first_column = cursor.fetchone()
        if first_column != "shop_id":
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND confrelid = %s::regclass",
                [table],
            )
            referencing = cursor.fetchall()
            for source, constraint, _ in referencing:
                cursor.execute(f'ALTER TABLE "{source}" DROP CONSTRAINT "{constraint}"')
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{table}_shop_id_id_uniq"')
            cursor.execute(
                f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}", ADD CONSTRAINT "{name}" PRIMARY KEY (shop_id, id)'
            )
            for source, constraint, definition in referencing:
                cursor.execute(f'ALTER TABLE "{source}" ADD CONSTRAINT "{constraint}" {definition}')
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' AND condeferred",
            [table],
        )
        for (constraint,) in cursor.fetchall():
            if constraint.endswith("_same_shop"):
                cursor.execute(f'ALTER TABLE "{table}" ALTER CONSTRAINT "{constraint}" DEFERRABLE INITIALLY IMMEDIATE')
    citus_place(cursor)
