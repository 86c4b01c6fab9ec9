from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import pagination, serializers


class CappedPageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


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


class ShopCursorPagination(pagination.CursorPagination):
    """For large tables: keyset pagination, no COUNT(*), a hard page-size cap."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
