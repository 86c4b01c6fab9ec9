"""Customer lists: search, allow-listed filters and keyset (cursor) pagination.

No COUNT(*) and no OFFSET: a page is "rows after the cursor's (sort value, id)" read
straight off an index that starts with shop_id, so page 10,000 costs what page 1 does.
"""

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import phonenumbers
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from crm.models import Shop
from customers.filters import CUSTOMER_FILTERS
from customers.models import Customer, CustomerChannelId, CustomerTag

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
LIST_FIELDS = (
    "id", "name", "phone", "email", "gender", "province", "city", "source_channel", "orders_count", "total_spent",
    "refunds_count", "refunded_amount", "first_order_at", "last_order_at", "is_automated_targeting_refused",
    "erased_at", "created_at",
)  # fmt: skip
NON_FILTER_PARAMS = frozenset({"q", "cursor", "page_size", "ordering", "format"})
_PHONE_QUERY = re.compile(r"^\+?[\d\s\-()]{3,}$")


class CursorInvalid(ValueError):
    pass


@dataclass(frozen=True)
class Ordering:
    field: str  # "id" or a column, sorted descending, ties broken by -id
    nullable: bool = False


ORDERINGS = {
    "-id": Ordering("id"),
    "-last_order_at": Ordering("last_order_at", nullable=True),
    "-total_spent": Ordering("total_spent"),
    "-orders_count": Ordering("orders_count"),
}


@dataclass
class Page:
    rows: list[dict]
    next_cursor: str | None


def customer_search_q(query: str, *, shop: Shop) -> Q:
    """Prefix matches only, each served by a btree index under row-level security (see
    customers/lookups.py): an email prefix if the query has an @; digits match the
    phone's start (with or without the country code) or its last digits; text matches
    the start of the name or of the given name (the name after its first character)
    or of the email. Any query also matches a storefront id exactly."""
    query = query.strip()[:100]
    if not query:
        return Q()
    lowered = query.lower()
    if "@" in query:
        match = Q(email__prefix=lowered)
    elif _PHONE_QUERY.match(query):
        digits = re.sub(r"\D", "", query)
        country = phonenumbers.country_code_for_region(shop.phone_region)
        match = Q(phone_reversed__prefix=digits[::-1]) | Q(phone__prefix=f"+{digits}")
        match |= Q(phone__prefix=f"+{country}{digits}")
    else:
        match = Q(name_key__prefix=lowered) | Q(given_name_key__prefix=lowered) | Q(email__prefix=lowered)
    external = CustomerChannelId.objects.filter(external_id=query)
    by_external_id = list(external.values_list("customer_id", flat=True)[:20])
    return match | Q(pk__in=by_external_id) if by_external_id else match


def customer_queryset(*, shop: Shop, params: Mapping[str, str]) -> QuerySet:
    """Live customers matching `q` and the filters in `params` (raises FilterInvalid)."""
    query = CUSTOMER_FILTERS.parse(params, shop.tzinfo, ignore=NON_FILTER_PARAMS)
    search = customer_search_q(params.get("q", ""), shop=shop)
    return Customer.objects.filter(merged_into__isnull=True).filter(query, search)


def customer_list(*, shop: Shop, params: Mapping[str, str], cursor: str | None, size: int, ordering: str) -> Page:
    queryset = customer_queryset(shop=shop, params=params).values(*LIST_FIELDS)
    order = ORDERINGS[ordering]
    position = _cursor_decode(cursor, order) if cursor else None
    rows = _keyset_rows(queryset, order, position, size + 1)
    more = len(rows) > size
    rows = rows[:size]
    _attach_tags(rows)
    return Page(rows=rows, next_cursor=_cursor_encode(rows[-1], order) if more and rows else None)


def _after(order: Ordering, value, last_id: int) -> Q:
    table = Customer._meta.db_table
    sql = f'("{table}"."{order.field}", "{table}"."id") < (%s, %s)'
    # A row comparison is what lets PostgreSQL start the index scan at the cursor; the
    # column names come from ORDERINGS, the values are parameters.
    return Q(RawSQL(sql, (value, last_id), output_field=BooleanField()))  # noqa: S611


def _keyset_rows(queryset: QuerySet, order: Ordering, position: tuple | None, limit: int) -> list[dict]:
    if order.field == "id":
        if position is not None:
            queryset = queryset.filter(pk__lt=position[1])
        return list(queryset.order_by("-pk")[:limit])
    rows: list[dict] = []
    in_null_part = position is not None and position[0] is None
    if not in_null_part:
        part = queryset.filter(**{f"{order.field}__isnull": False}) if order.nullable else queryset
        if position is not None:
            part = part.filter(_after(order, *position))
        rows = list(part.order_by(f"-{order.field}", "-pk")[:limit])
    if order.nullable and len(rows) < limit:
        # Customers with no value (e.g. no orders yet) come last, newest first.
        nulls = queryset.filter(**{f"{order.field}__isnull": True})
        if in_null_part:
            nulls = nulls.filter(pk__lt=position[1])
        rows += list(nulls.order_by("-pk")[: limit - len(rows)])
    return rows


def _attach_tags(rows: list[dict]) -> None:
    by_customer: dict[int, list] = {row["id"]: [] for row in rows}
    if not rows:
        return
    tags = CustomerTag.objects.filter(customer_id__in=list(by_customer)).order_by("tag__name")
    for customer_id, tag_id, name, color in tags.values_list("customer_id", "tag_id", "tag__name", "tag__color"):
        by_customer[customer_id].append({"id": tag_id, "name": name, "color": color})
    for row in rows:
        row["tags"] = by_customer[row["id"]]


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
