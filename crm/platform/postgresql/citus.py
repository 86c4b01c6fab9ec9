"""Placing the schema on Citus: which tables are reference tables, and distributing the rest.

On plain PostgreSQL everything here does nothing. On a database with the `citus` extension:
- the platform tables in REFERENCE_TABLES are copied to every node;
- every tenant table (a `shop_id` column and row-level security) is hash-distributed by
  `shop_id`, co-located with COLOCATION_ANCHOR, so the composite (shop_id, x_id) foreign keys
  and every join on shop_id stay on one node;
- anything else (django_session, django_migrations) stays on the coordinator;
- the functions in DISTRIBUTED_FUNCTIONS run where the shop's rows are.

`citus_distribute` does it for a whole existing database, in the only order Citus accepts: a
table that gains a foreign key to a reference table while still local becomes a "Citus local
table", which cannot be distributed any more (its identity column), so every foreign key
touching these tables is dropped first and put back once every table is placed. After that,
TenantTable distributes each new tenant table in its own migration, before Django adds the
table's foreign keys (which it does at the end of the migration).
"""

# Platform tables every node needs: the tenant tables' keys point at shops and users, and
# crm_apikey holds the one key unique across shops (the prefix a request presents). Their
# own foreign keys point only at each other.
REFERENCE_TABLES = (
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
    "crm_user",
    "crm_user_groups",
    "crm_user_user_permissions",
    "crm_shop",
    "crm_apikey",
    "crm_tenant_context_key",
    "django_admin_log",
)
# Every distributed table is co-located with this one (crm's own, so it exists first).
COLOCATION_ANCHOR = "crm_membership"
# Functions that run on the node holding the shop named by their first argument (the only
# way a SECURITY DEFINER function can read a shard as another role within the caller's
# transaction): signature -> the table whose shards they read.
DISTRIBUTED_FUNCTIONS = {
    "customer_search_ids(bigint, text, boolean, bigint, integer)": "customers_customer",
}


def staged_insert(sql: str, connection) -> str:
    """An INSERT ... SELECT from a source Citus does not distribute (a staging table, unnest()),
    made one Citus can run: it would COPY the rows into the shards, which row-level security
    refuses; with an ON CONFLICT clause it inserts them from intermediate results instead.
    Only for inserts where no row can conflict (new identity ids, a new run's scores)."""
    return f"{sql} ON CONFLICT DO NOTHING" if _on_citus(connection) else sql


def shop_key(connection, param: str = "%s") -> str:
    """The right-hand side of a bulk statement's `shop_id = ...` for this engine.

    Plain PostgreSQL gets `(SELECT %s::bigint)`: it then plans for an average shop instead of
    the shop's own statistics, which call a shop that grew since the last ANALYZE (any new
    shop; any shop inside a long import transaction) "about one row" and scan all of its rows
    per batch instead of probing the index. Citus gets the bare parameter: it routes a
    statement to the shop's shard only on a plain equality, and refuses FOR UPDATE otherwise."""
    return param if _on_citus(connection) else f"(SELECT {param}::bigint)"


def _on_citus(connection) -> bool:
    connection.ensure_connection()  # `is_citus` is learnt when the connection opens
    return connection.is_citus


def is_citus(cursor) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
    return cursor.fetchone()[0]


def placed_tables(cursor) -> set[str]:
    cursor.execute("SELECT logicalrelid::regclass::text FROM pg_dist_partition")
    return {name for (name,) in cursor.fetchall()}


def is_placed(cursor) -> bool:
    """Whether this database is Citus and has been through `citus_distribute`."""
    return is_citus(cursor) and "crm_shop" in placed_tables(cursor)


def tenant_tables(cursor) -> list[str]:
    """Tables with a shop_id column and row-level security, in name order."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'shop_id' "
        "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relrowsecurity ORDER BY 1"
    )
    return [name for (name,) in cursor.fetchall()]


def begin_placement(cursor) -> None:
    # Distributing tables and adding foreign keys to reference tables in one transaction
    # needs one connection per node for the whole transaction.
    cursor.execute("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")


def distribute_tenant_table(cursor, table: str) -> None:
    cursor.execute("SELECT create_distributed_table(%s, 'shop_id', colocate_with => %s)", [table, COLOCATION_ANCHOR])


def placements_run(cursor, table: str, command: str) -> None:
    """Run a command on every shard placement of a placed table (`%s` is the shard's name)."""
    cursor.execute(
        "SELECT nodename, nodeport, success, result FROM run_command_on_placements(%s, %s)", [table, command]
    )
    failed = [row for row in cursor.fetchall() if not row[2]]
    if failed:
        raise RuntimeError(f"{table}: {command} failed on {failed}")


def distribute_function(cursor, signature: str) -> None:
    cursor.execute(
        "SELECT create_distributed_function(%s, '$1', colocate_with => %s, force_delegation => true)",
        [signature, DISTRIBUTED_FUNCTIONS[signature]],
    )


def citus_distribute(cursor) -> None:
    """Place every table not yet placed (see the module docstring); idempotent."""
    if not is_citus(cursor):
        return
    placed = placed_tables(cursor)
    cursor.execute("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'")
    existing = {name for (name,) in cursor.fetchall()}
    references = [name for name in REFERENCE_TABLES if name in existing and name not in placed]
    distributed = [name for name in tenant_tables(cursor) if name not in REFERENCE_TABLES and name not in placed]
    # The anchor first: the others are co-located with it.
    distributed.sort(key=lambda name: name != COLOCATION_ANCHOR)
    moving = references + distributed
    if not moving:
        return
    begin_placement(cursor)
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND (conrelid::regclass::text = ANY(%s) OR confrelid::regclass::text = ANY(%s))",
        [moving, moving],
    )
    foreign_keys = cursor.fetchall()
    for table, name, _ in foreign_keys:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for table in references:
        cursor.execute("SELECT create_reference_table(%s)", [table])
    for table in distributed:
        if table == COLOCATION_ANCHOR:
            cursor.execute("SELECT create_distributed_table(%s, 'shop_id')", [table])
        else:
            distribute_tenant_table(cursor, table)
    for table, name, definition in foreign_keys:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for signature in DISTRIBUTED_FUNCTIONS:
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [signature])
        if cursor.fetchone()[0]:
            distribute_function(cursor, signature)
