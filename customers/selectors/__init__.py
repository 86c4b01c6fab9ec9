"""Reads for customers: lists (search, filters, keyset pages), the 360, duplicates, export."""

from customers.selectors.duplicates import customer_duplicate_candidates
from customers.selectors.export import customer_export_data
from customers.selectors.listing import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ORDERINGS,
    CursorInvalid,
    Page,
    customer_list,
    customer_queryset,
    customer_search_q,
)
from customers.selectors.overview import customer_overview
from customers.selectors.population import customer_id_median, targeting_refused_ids

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "ORDERINGS",
    "CursorInvalid",
    "Page",
    "customer_duplicate_candidates",
    "customer_export_data",
    "customer_id_median",
    "customer_list",
    "customer_overview",
    "customer_queryset",
    "customer_search_q",
    "targeting_refused_ids",
]
