"""The customers list's fast path. Do not copy it: other reads use the ORM plainly.

Statements: the plain list (no search, no filter) of one shop, ordering, part and page size
is compiled once per process and only its cursor bound (a `Slot`) is filled in per request,
since building and compiling the queryset was a large part of a list request's Python. Such
a statement is also prepared on the server (once per connection) and run with PostgreSQL's
generic plan: the same index scan for any shop and bound, without re-planning the page and
its tags subquery each time. Left to choose, PostgreSQL kept planning each execution, since
the generic plan's estimate was a little above the custom one's.

JSON: the API's rows are encoded by PostgreSQL (`row_json_sql`), so the view joins text
instead of converting, serializing and encoding each value in Python.

Figures in docs/performance.md.
"""

import hashlib
import re
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from django.db import connection
from django.db.models import DateTimeField, DecimalField, Expression, Field, QuerySet

from customers.models import Customer

_TABLE = Customer._meta.db_table
# DRF's DateTimeField in UTC: isoformat(), microseconds only when there are any, "Z".
_ISO_UTC = (
    "to_char({column} AT TIME ZONE 'UTC', CASE WHEN date_trunc('second', {column}) = {column} "
    'THEN \'YYYY-MM-DD"T"HH24:MI:SS"Z"\' ELSE \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\' END)'
)


def _json_value(name: str) -> str:
    """One list field as the API renders it: money as a decimal string, times as above."""
    field = Customer._meta.get_field(name)
    column = f'"{_TABLE}"."{field.column}"'
    if isinstance(field, DecimalField):
        return f"{column}::text"
    if isinstance(field, DateTimeField):
        return _ISO_UTC.format(column=column)
    return column


def row_json_sql(fields: tuple[str, ...], tags_sql: str) -> str:
    """The API's row, `fields` and its tags, encoded by PostgreSQL: the view joins the rows'
    text into the response instead of converting, serializing and encoding each value in Python."""
    return (
        "json_build_object("
        + ", ".join(f"'{name}', {_json_value(name)}" for name in fields)
        + f", 'tags', ({tags_sql}))::text"
    )


class Slot(Expression):
    """A value filled in when a compiled statement runs (a page's cursor bound): the
    compiled text does not depend on it, so one shape's statement serves every page."""

    def __init__(self, name: str, output_field: Field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [self]


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple  # values, and Slots filled in by bind()

    def bind(self, values: Mapping[str, object]) -> list:
        return [values[param.name] if isinstance(param, Slot) else param for param in self.params]

    @cached_property
    def prepared_name(self) -> str:
        return "customer_page_" + hashlib.sha1(self.sql.encode(), usedforsecurity=False).hexdigest()[:16]

    @cached_property
    def prepare_sql(self) -> str:
        """PREPARE ... AS the statement, its %s placeholders numbered ($1, $2, ...)."""
        numbers = iter(range(1, len(self.params) + 1))
        body = _PLACEHOLDER.sub(lambda match: "%" if match[0] == "%%" else f"${next(numbers)}", self.sql)
        return f"PREPARE {self.prepared_name} AS {body}"


_PLACEHOLDER = re.compile("%%|%s")
# (shop id, ordering, as_json, limit, part) -> Statement, per process; the shop id is in
# the key because its value is one of the compiled parameters.
_STATEMENTS: dict[tuple, Statement] = {}
_STATEMENTS_MAX = 512
_STATEMENTS_LOCK = threading.Lock()
# Per database connection: the names of the statements prepared on it.
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def statement_for(build: Callable[[], QuerySet], key: tuple | None) -> tuple[Statement, bool]:
    """The page's statement, and whether it is reused (and so worth preparing)."""
    statement = _STATEMENTS.get(key) if key else None
    if statement is None:
        statement = Statement(*build().query.sql_with_params())
        if key:
            with _STATEMENTS_LOCK:
                if len(_STATEMENTS) >= _STATEMENTS_MAX:
                    del _STATEMENTS[next(iter(_STATEMENTS))]
                _STATEMENTS[key] = statement
    return statement, key is not None


def statement_fetch(compiled: tuple[Statement, bool], values: Mapping[str, object]) -> list[dict]:
    statement, is_reused = compiled
    params = statement.bind(values)
    with connection.cursor() as cursor:
        # Citus cannot plan a distributed query's generic plan: there the statement runs as it is.
        is_reused = is_reused and not connection.is_citus
        if is_reused:
            prepared = _PREPARED.setdefault(connection.connection, set())
            if statement.prepared_name not in prepared:
                cursor.execute(statement.prepare_sql)
                prepared.add(statement.prepared_name)
            # SET LOCAL: the generic plan for this statement only, back to the default after it.
            arguments = ", ".join(["%s"] * len(params))
            cursor.execute(
                f"SET LOCAL plan_cache_mode = force_generic_plan; EXECUTE {statement.prepared_name} ({arguments})",
                params,
            )
        else:
            cursor.execute(statement.sql, params)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        if is_reused:
            cursor.execute("SET LOCAL plan_cache_mode TO DEFAULT")
        return rows
