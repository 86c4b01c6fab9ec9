"""Django's PostgreSQL schema editor, with the one change Citus needs in migrations."""

from django.db.backends.postgresql.schema import DatabaseSchemaEditor as PostgresSchemaEditor


class DatabaseSchemaEditor(PostgresSchemaEditor):
    def add_field(self, model, field):
        check = field.db_parameters(connection=self.connection)["check"]
        if not (self.connection.is_citus and check):
            return super().add_field(model, field)
        # Citus refuses a constraint inside ADD COLUMN on a distributed table ("all constraints
        # in Citus must have explicit names"): add the column, then its CHECK by name.
        self.sql_check_constraint = ""  # shadows the class's template for this one call
        try:
            super().add_field(model, field)
        finally:
            del self.sql_check_constraint
        name = self._create_index_name(model._meta.db_table, [field.column], suffix="_check")
        self.execute(self._create_check_sql(model, name, check))
