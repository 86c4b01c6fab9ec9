"""`prefix` lookup: `starts_with(column, value)`.

Under row-level security PostgreSQL uses an index only for LEAKPROOF operators (a
policy's rows must be filtered before any non-leakproof function sees them). LIKE, ILIKE
and so Django's `startswith`/`contains` are not leakproof; `starts_with` is, and its
planner support turns it into a range scan on a `text_pattern_ops` btree index."""

from django.db.models import CharField, Lookup, TextField


class Prefix(Lookup):
    lookup_name = "prefix"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"starts_with({lhs}, {rhs})", [*lhs_params, *rhs_params]


def register() -> None:
    CharField.register_lookup(Prefix)
    TextField.register_lookup(Prefix)
