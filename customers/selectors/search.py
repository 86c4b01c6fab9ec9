"""Customer search.

A query of three characters or more matches anywhere: in the phone's digits if it is
phone-shaped, else in the name or the email (case-insensitive); an email address or its
start ("wf@exa") matches the start of the email. The substring candidates come from
the database function `customer_search_ids` (customers/migrations/0006_substring_search.py,
0007_search_in_two_steps.py, 0013_search_by_verified_shop.py): under row-level security
PostgreSQL cannot use a trigram index for LIKE (not LEAKPROOF), so one narrow SECURITY
DEFINER function does the indexed match for the shop in scope and returns ids, which the
caller's query reads under row-level security as usual.

Shorter queries have no trigram to look up; they match the start of the name, of the
given name (the name after its first character: `秀英` finds `王秀英`) or of the email,
with leakproof `starts_with` on btree pattern indexes (customers/lookups.py). Any query
also matches a storefront id exactly.
"""

import re

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from crm.models import Shop

MAX_ID = 2**63 - 1
MAX_QUERY_LENGTH = 100
TRIGRAM = 3  # the shortest text pg_trgm can look up
# With no page to stop at (other filters or sort orders), a search with more matches
# than this is a plain filter on the list's own scan instead of a set of ids. Small
# enough that text this common fills it from the function's first, cheap step (the
# newest 5,000 customers) instead of collecting every match from the trigram index.
MAX_CANDIDATES = 200
_PHONE_QUERY = re.compile(r"^\+?[\d\s\-()]+$")
_EMAIL_START = re.compile(r"^[^@\s]+@")
# Columns a prefix branch may name: the code's own choice, never the request's.
PREFIX_COLUMNS = ("name_key", "given_name_key", "email")
_EXTERNAL_ID_SQL = (
    "SELECT customer_id FROM customers_customerchannelid WHERE shop_id = %s AND external_id = %s AND customer_id < %s"
)


def customer_search_q(query: str, *, shop: Shop, before_id: int | None = None, limit: int | None = None) -> Q:
    """Customers matching `query`. With `limit`, only the `limit` newest matches below
    `before_id` (for a page ordered by -id with no other filter). Must run in the shop's
    scope: the search function finds nothing without it."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    if not query:
        return Q()
    is_phone = bool(_PHONE_QUERY.match(query))
    needle = re.sub(r"\D", "", query) if is_phone else query
    # An address or its start ("wf@exa") is an email prefix: one btree lookup, where the
    # trigram index would read the long lists of its domain's common trigrams.
    if len(needle) < TRIGRAM or _EMAIL_START.match(query):
        return _prefix_q(query, shop=shop, before=before_id or MAX_ID, limit=limit)
    return _substring_q(query, needle, is_phone, shop=shop, before=before_id or MAX_ID, limit=limit)


def _substring_q(query: str, needle: str, is_phone: bool, *, shop: Shop, before: int, limit: int | None) -> Q:
    # A statement of its own, before the page's: on Citus the function runs on the shop's
    # node and cannot be part of a query that itself runs on a shard.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM customer_search_ids(%s, %s, %s, %s, %s) AS found(id)",
            [shop.pk, needle, is_phone, before, MAX_CANDIDATES + 1 if limit is None else limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if limit is None and len(ids) > MAX_CANDIDATES:
        # Many customers match: the list's own scan meets them at once.
        contains = Q(phone__contains=needle) if is_phone else Q(name__icontains=needle) | Q(email__icontains=needle)
        return contains | Q(pk__in=RawSQL(_EXTERNAL_ID_SQL, [shop.pk, query, before]))  # noqa: S611
    # One set, so the list reads these rows by key (an OR of two sets would filter its scan).
    sql = f"SELECT unnest(%s::bigint[]) UNION {_EXTERNAL_ID_SQL}"
    params = [ids, shop.pk, query, before]
    if limit is not None:
        sql = f"SELECT id FROM ({sql}) AS matches(id) ORDER BY id DESC LIMIT %s"
        params.append(limit)
    return Q(pk__in=RawSQL(sql, params))  # noqa: S611 (fixed SQL, values as parameters)


def _prefix_q(query: str, *, shop: Shop, before: int, limit: int | None) -> Q:
    """Each branch collects ids with an index-only scan (the prefix indexes INCLUDE id) and
    their union is the match set, so the cost follows the number of matches and not where
    they sit in the id order. One character matches a large share of the shop: that is a
    plain filter on the page's own index scan, which meets its matches within a few rows."""
    prefix = query.lower()
    if len(prefix) == 1:
        match = Q()
        for column in PREFIX_COLUMNS:
            match |= Q(**{f"{column}__prefix": prefix})
        return match
    parts = [
        f'SELECT id FROM customers_customer WHERE shop_id = %s AND starts_with("{column}", %s) AND id < %s'
        for column in PREFIX_COLUMNS
    ]
    params = [value for _ in PREFIX_COLUMNS for value in (shop.pk, prefix, before)]
    sql = f"SELECT id FROM ({' UNION '.join([*parts, _EXTERNAL_ID_SQL])}) AS matches"
    params += [shop.pk, query, before]
    if limit is not None:
        sql += " ORDER BY id DESC LIMIT %s"
        params.append(limit)
    # = ANY(ARRAY(...)), not IN (...): the page then fetches its matches by id. As a join, a
    # page sorted by spend or last order hashed the matches and read the whole shop to find
    # them, for a common two-character prefix too (thousands of matches).
    sql = f'"customers_customer"."id" = ANY(ARRAY({sql}))'
    return Q(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611 (columns from PREFIX_COLUMNS, values as parameters)
