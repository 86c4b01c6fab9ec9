"""Customer search: prefix matches that PostgreSQL serves from indexes under row-level
security (see customers/lookups.py for why not LIKE or trigrams).

A query becomes a few (column, prefix) branches: an email prefix if it has an @; for
digits, the phone's start (national or with the country code) and its last digits (the
reversed phone's start); for text, the start of the name, of the given name (the name
after its first character) and of the email. Any query also matches a storefront id
exactly. Each branch collects ids with an index-only scan (the prefix indexes INCLUDE
id) and their union is the match set, so the cost follows the number of matches and not
where they sit in the id order.
"""

import re

import phonenumbers
from django.db.models import Q
from django.db.models.expressions import RawSQL

from crm.models import Shop

MAX_ID = 2**63 - 1
MAX_QUERY_LENGTH = 100
_PHONE_QUERY = re.compile(r"^\+?[\d\s\-()]{3,}$")
# Columns a branch may name: the code's own choice, never the request's.
SEARCH_COLUMNS = frozenset({"name_key", "given_name_key", "phone", "phone_reversed", "email"})


def search_branches(query: str, *, shop: Shop) -> list[tuple[str, str]]:
    lowered = query.lower()
    if "@" in query:
        return [("email", lowered)]
    if _PHONE_QUERY.match(query):
        digits = re.sub(r"\D", "", query)
        country = phonenumbers.country_code_for_region(shop.phone_region)
        return [("phone_reversed", digits[::-1]), ("phone", f"+{digits}"), ("phone", f"+{country}{digits}")]
    return [("name_key", lowered), ("given_name_key", lowered), ("email", lowered)]


def _is_broad(query: str) -> bool:
    """One character, or fewer than four digits: a large share of the shop matches."""
    digits = re.sub(r"\D", "", query)
    return len(query) == 1 or (bool(_PHONE_QUERY.match(query)) and len(digits) < 4)


def customer_search_q(query: str, *, shop: Shop, before_id: int | None = None, limit: int | None = None) -> Q:
    """Customers matching `query`. With `limit`, only the `limit` newest matches below
    `before_id` (for a page ordered by -id with no other filter).

    A broad query is a plain filter instead: the page's index scan meets its matches
    within a few rows, where collecting every match first would read a large share of
    the shop."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    if not query:
        return Q()
    branches = search_branches(query, shop=shop)
    if _is_broad(query):
        match = Q()
        for column, prefix in branches:
            match |= Q(**{f"{column}__prefix": prefix})
        return match
    before = before_id or MAX_ID
    parts, params = [], []
    for column, prefix in branches:
        assert column in SEARCH_COLUMNS
        parts.append(
            f'SELECT id FROM customers_customer WHERE shop_id = %s AND starts_with("{column}", %s) AND id < %s'
        )
        params += [shop.pk, prefix, before]
    parts.append(
        "SELECT customer_id FROM customers_customerchannelid WHERE shop_id = %s AND external_id = %s "
        "AND customer_id < %s"
    )
    params += [shop.pk, query, before]
    sql = f"SELECT id FROM ({' UNION '.join(parts)}) AS matches"
    if limit is not None:
        sql += " ORDER BY id DESC LIMIT %s"
        params.append(limit)
    return Q(pk__in=RawSQL(sql, params))  # noqa: S611 (column names from SEARCH_COLUMNS, values as parameters)
