"""Paging for every list endpoint. `page_size` and `cursor` are read in one way
everywhere: a value that is not valid is a 400 naming the parameter, never ignored."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, pagination, serializers

MAX_PAGE_SIZE = 200


def page_size_param(raw: str | None, *, default: int, maximum: int = MAX_PAGE_SIZE) -> int:
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise serializers.ValidationError({"page_size": [f"An integer from 1 to {maximum}."]})
    return int(raw)


class _ValidatedPageSize:
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        return page_size_param(raw, default=self.page_size, maximum=self.max_page_size)


class CappedPageNumberPagination(_ValidatedPageSize, pagination.PageNumberPagination):
    pass


def page_schema(serializer_class: type[serializers.Serializer], **extend_schema_kwargs):
    """`extend_schema` for an APIView method that answers with CappedPageNumberPagination:
    its `page` and `page_size` parameters and the page object around `serializer_class`
    (drf-spectacular infers these only for generic list views)."""
    name = serializer_class.__name__.removesuffix("Serializer")
    page = inline_serializer(
        f"Paginated{name}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
    parameters = [
        OpenApiParameter("page", OpenApiTypes.INT, description="From 1."),
        OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 200."),
        *extend_schema_kwargs.pop("parameters", []),
    ]
    return extend_schema(parameters=parameters, responses=page, **extend_schema_kwargs)


class ShopCursorPagination(_ValidatedPageSize, pagination.CursorPagination):
    """For large tables: keyset pagination, no COUNT(*), a hard page-size cap."""

    page_size = 50
    ordering = "-id"

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise serializers.ValidationError({"cursor": ["Not a cursor from a previous page."]}) from None
