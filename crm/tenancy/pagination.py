from rest_framework import pagination


class CappedPageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class ShopCursorPagination(pagination.CursorPagination):
    """For large tables: keyset pagination, no COUNT(*), a hard page-size cap."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
