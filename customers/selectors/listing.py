"""Customer lists: search, allow-listed filters and keyset (cursor) pagination.

No COUNT(*) and no OFFSET: a page is "rows after the cursor's (sort value, id)" read
straight off an index that starts with shop_id, so page 10,000 costs what page 1 does.

A page's SQL is built by the ORM with the cursor's bound as a `Slot`; the plain list (no
search, no filter) reuses one compiled, server-side prepared statement per shape and the API
gets its rows as JSON built by PostgreSQL: that fast path lives in list_statements.py.
"""

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db.models import BigIntegerField, F, Field, Func, Q, QuerySet, Value
from django.db.models.expressions import Expression, RawSQL
from django.db.models.lookups import LessThan

from crm.models import Shop
from crm.tenancy.context import require_shop_id
from customers.models import Customer
from customers.registry import CUSTOMER_FILTERS
from customers.selectors.list_statements import Slot, row_json_sql, statement_fetch, statement_for
from customers.selectors.search import MAX_ID, customer_search_q

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
LIST_FIELDS = (
    "id", "name", "phone", "email", "gender", "province", "city", "source_channel", "orders_count", "total_spent",
    "refunds_count", "refunded_amount", "first_order_at", "last_order_at", "is_automated_targeting_refused",
    "erased_at", "created_at",
)  # fmt: skip
# Each row's tags, read in the page's own query (one round trip, not two); matched on shop_id
# too, so that Citus runs it on the customer's shard.
TAGS_SQL = (
    "SELECT COALESCE(json_agg(json_build_object('id', t.id, 'name', t.name, 'color', t.color) ORDER BY t.name), "
    "'[]') FROM customers_customertag ct JOIN customers_tag t ON t.shop_id = ct.shop_id AND t.id = ct.tag_id "
    'WHERE ct.shop_id = "customers_customer"."shop_id" AND ct.customer_id = "customers_customer"."id"'
)
ROW_JSON_SQL = row_json_sql(LIST_FIELDS, TAGS_SQL)
NON_FILTER_PARAMS = frozenset({"q", "cursor", "page_size", "ordering", "format"})


class CursorInvalid(ValueError):
    pass


@dataclass(frozen=True)
class Ordering:
    field: str  # "id" or a column, sorted descending, ties broken by -id
    above_all: object = None  # a value above every stored one: the first page's bound
    nullable: bool = False


ORDERINGS = {
    "-id": Ordering("id", MAX_ID),
    "-last_order_at": Ordering("last_order_at", datetime(9999, 12, 31, tzinfo=UTC), nullable=True),
    "-total_spent": Ordering("total_spent", Decimal("1e13")),
    # The column's largest value: a prepared statement types the bound as the column's integer.
    "-orders_count": Ordering("orders_count", 2**31 - 1),
}


@dataclass
class Page:
    rows: list  # dicts of LIST_FIELDS and "tags"; with as_json, each row's JSON text
    next_cursor: str | None


def customer_match(*, shop: Shop, params: Mapping[str, str], search_page: tuple | None = None) -> Q:
    """`q` and the filters in `params` as one Q (raises FilterInvalid); empty when neither
    narrows the list. `search_page` (before_id, limit) narrows the search to one -id page
    up front."""
    query = CUSTOMER_FILTERS.parse(params, shop.tzinfo, ignore=NON_FILTER_PARAMS)
    before_id, limit = search_page or (None, None)
    return query & customer_search_q(params.get("q", ""), shop=shop, before_id=before_id, limit=limit)


def customer_queryset(*, shop: Shop, params: Mapping[str, str], search_page: tuple | None = None) -> QuerySet:
    """Live customers matching `q` and the filters in `params` (raises FilterInvalid)."""
    return _live(customer_match(shop=shop, params=params, search_page=search_page))


def _live(match: Q) -> QuerySet:
    return Customer.objects.filter(merged_into__isnull=True).filter(match)


def customer_list(
    *, shop: Shop, params: Mapping[str, str], cursor: str | None, size: int, ordering: str, as_json: bool = False
) -> Page:
    """One page of live customers after `cursor` (raises FilterInvalid, CursorInvalid):
    rows as dicts for the pages, or with `as_json` as the API's JSON text."""
    order = ORDERINGS[ordering]
    position = _cursor_decode(cursor, order) if cursor else None
    filtered = any(value for key, value in params.items() if key not in NON_FILTER_PARAMS)
    # A plain search page ordered by -id can take just the page's ids from the search.
    search_page = (position[1] if position else None, size + 1) if ordering == "-id" and not filtered else None
    match = customer_match(shop=shop, params=params, search_page=search_page)
    if as_json:
        fields, name, sql = ("id",) if order.field == "id" else ("id", order.field), "row_json", ROW_JSON_SQL
    else:
        fields, name, sql = LIST_FIELDS, "tags_json", f"({TAGS_SQL})::text"
    # A search or a filter carries values of its own: its statement is compiled for this page only.
    shape = None if match else (require_shop_id(), ordering, as_json, size + 1)
    rows = _keyset_rows(
        lambda: _live(match),
        lambda rows: rows.annotate(**{name: RawSQL(sql, ())}).values(*fields, name),  # noqa: S611
        order,
        position,
        size + 1,
        shape,
    )
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = _cursor_encode(rows[-1], order) if more and rows else None
    if as_json:
        return Page(rows=[row["row_json"] for row in rows], next_cursor=next_cursor)
    for row in rows:
        row["tags"] = json.loads(row.pop("tags_json"))
    return Page(rows=rows, next_cursor=next_cursor)


def _before(columns: tuple[str, ...], values: tuple) -> Q:
    """Rows before (values) in (columns) order: a plain bound on the first column, where
    PostgreSQL starts the backward scan of the shop's composite index (the scoped manager
    adds shop_id = ...), and for two columns the row comparison that breaks ties. No shop_id
    inside the row comparison: PostgreSQL estimates a row comparison from its first column
    alone, and `shop_id < this shop` is about zero rows for the lowest shop id, which made it
    hash the whole shop for a search sorted by last order and sort it for a page by total
    spent. Column names come from ORDERINGS; values are parameters.
    The row comparison is built of expressions, so it names the table by whatever alias the
    query gives it (a page part is a subquery, see _page)."""
    if len(columns) == 1:
        return Q(**{f"{columns[0]}__lt": values[0]})
    row = Func(*(F(column) for column in columns), function="ROW", output_field=Field())
    bound = Func(*(v if isinstance(v, Expression) else Value(v) for v in values), function="ROW", output_field=Field())
    return Q(**{f"{columns[0]}__lte": values[0]}) & Q(LessThan(row, bound))


def _keyset_rows(
    live: Callable[[], QuerySet],
    select: Callable[[QuerySet], QuerySet],
    order: Ordering,
    position: tuple | None,
    limit: int,
    shape: tuple | None,
) -> list[dict]:
    """The page's rows: those before `position` in `order`, then for a nullable order the
    rows without a value. `live` makes the matching live customers, `select` the columns of
    a page's rows; `shape` keys the compiled statements (None: compile for this page only)."""
    field = order.field
    last_id = Slot("last_id", BigIntegerField())
    if field == "id":
        first = _before(("id",), (last_id,))
        main = statement_for(lambda: _page(live, select, first, ("-pk",), limit, shape), shape and (*shape, "main"))
        return statement_fetch(main, {"last_id": position[1] if position else MAX_ID})
    rows: list[dict] = []
    in_null_part = position is not None and position[0] is None
    if not in_null_part:
        value = Slot("value", Customer._meta.get_field(field))
        part = statement_for(
            lambda: _page(live, select, _before((field, "id"), (value, last_id)), (f"-{field}", "-pk"), limit, shape),
            shape and (*shape, "main"),
        )
        bound_value, bound_id = position or (order.above_all, MAX_ID)
        rows = statement_fetch(part, {"value": bound_value, "last_id": bound_id})
    if order.nullable and len(rows) < limit:
        # Customers with no value (e.g. no orders yet) come last, newest first.
        without_value = _before(("id",), (last_id,)) & Q(**{f"{field}__isnull": True})
        nulls = statement_for(
            lambda: _page(live, select, without_value, ("-pk",), limit, shape), shape and (*shape, "nulls")
        )
        rows += statement_fetch(nulls, {"last_id": position[1] if in_null_part else MAX_ID})[: limit - len(rows)]
    return rows


def _page(live: Callable[[], QuerySet], select: Callable[[QuerySet], QuerySet], condition: Q, ordering: tuple,
          limit: int, shape: tuple | None) -> QuerySet:  # fmt: skip
    """One part of a page. A plain list page (`shape`: a reused statement, run with the
    generic plan) picks its ids in a subquery that reads only the shop's index, then builds
    the selected columns (JSON, tags) for those rows alone. In one query the cost of building
    a row counted for every row the scan might read, which drowned the difference between
    the shop's index and the primary key: the generic plan walked the primary key down from
    the newest id and filtered out every customer other shops added since. A search or
    filter page keeps the one query its custom plan was tuned on (in a subquery, a
    two-letter name prefix sorted by spend was many times slower)."""
    if shape is None:
        return select(live().filter(condition)).order_by(*ordering)[:limit]
    ids = live().filter(condition).order_by(*ordering).values("pk")[:limit]
    return select(Customer.objects.filter(pk__in=ids)).order_by(*ordering)


def _cursor_encode(row: dict, order: Ordering) -> str:
    value = row[order.field] if order.field != "id" else None
    if isinstance(value, datetime):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([value, row["id"]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_decode(cursor: str, order: Ordering) -> tuple:
    try:
        value, last_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(last_id, int) or isinstance(last_id, bool):
            raise ValueError(cursor)
        return _cursor_value(order, value), last_id
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, ArithmeticError):
        raise CursorInvalid("Invalid cursor.") from None


def _cursor_value(order: Ordering, value):
    if value is None:
        if order.field != "id" and not order.nullable:
            raise ValueError(value)
        return None
    if order.field in ("last_order_at",):
        return datetime.fromisoformat(value)
    if order.field == "total_spent":
        return Decimal(value)
    return int(value)
