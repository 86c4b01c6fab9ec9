"""Storefront and staff API for orders (thin: parse, call a service or selector, render)."""

from collections import Counter

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.models import ApiKeyScope, Role
from crm.platform.channels import ORDER_CHANNEL_VALUES
from crm.tenancy.api import ShopScopedApi
from crm.tenancy.errors import Conflict
from crm.tenancy.pagination import ShopCursorPagination
from orders.api.serializers import (
    BulkResultSerializer,
    OrderBulkInputSerializer,
    OrderDetailSerializer,
    OrderInputSerializer,
    OrderSerializer,
    OrderStatusPatchSerializer,
    RefundInputSerializer,
    RefundSerializer,
)
from orders.filters import FilterInvalid, order_filters_parse
from orders.models import ChangeSource, OrderStatus
from orders.selectors import order_detail, order_get, order_list
from orders.services import (
    MAX_BATCH,
    OrderInvalid,
    OrderStateError,
    RefundInvalid,
    order_status_change,
    order_upsert,
    orders_ingest_bulk,
    refund_create,
)


class UnprocessableFields(ValidationError):
    """422 with the per-field body of a validation error."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


class OrderCursorPagination(ShopCursorPagination):
    ordering = ("-placed_at", "-id")


ISSUE_EXAMPLE = {
    "external_id": "A1001",
    "channel": "web",
    "status": "paid",
    "placed_at": "2026-11-01T10:00:00+08:00",
    "currency": "CNY",
    "customer": {"external_id": "U77", "name": "王芳", "phone": "13800138000", "email": "wf@example.com"},
    "lines": [{"sku": "SKU-1", "name": "保温杯", "category": "家居", "quantity": 2, "unit_price": "49.00"}],
    "subtotal": "98.00",
    "discount": "0.00",
    "shipping": "0.00",
    "total": "98.00",
}
FILTER_PARAMETERS = [
    OpenApiParameter("customer", OpenApiTypes.INT, description="Customer id."),
    OpenApiParameter("customer_search", OpenApiTypes.STR, description="Customer name, phone, email or storefront id."),
    OpenApiParameter("status", OpenApiTypes.STR, enum=OrderStatus.values),
    OpenApiParameter("channel", OpenApiTypes.STR, enum=ORDER_CHANNEL_VALUES),
    OpenApiParameter("placed_after", OpenApiTypes.STR, description="Date (shop time zone) or ISO 8601; inclusive."),
    OpenApiParameter("placed_before", OpenApiTypes.STR, description="Date (shop time zone, whole day) or ISO 8601."),
    OpenApiParameter("q", OpenApiTypes.STR, description="External order id prefix."),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next`/`previous` of the last page."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="At most 200."),
]
KEY_PARAMETER = OpenApiParameter(
    "key", OpenApiTypes.STR, OpenApiParameter.PATH, description="The external order id, or the numeric id."
)
PAGINATED_ORDERS = inline_serializer(
    "PaginatedOrderList",
    fields={
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": OrderSerializer(many=True),
    },
)


def _detail_response(shop, order, status_code=status.HTTP_200_OK) -> Response:
    order = order_detail(shop=shop, key=str(order.pk))
    return Response(OrderDetailSerializer(order).data, status=status_code)


class OrderListApi(ShopScopedApi):
    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses=PAGINATED_ORDERS,
        summary="List orders, newest first",
        operation_id="orders_list",
    )
    def get(self, request, **kwargs):
        try:
            filters = order_filters_parse(request.query_params, self.shop.tzinfo)
        except FilterInvalid as error:
            raise ValidationError(error.errors) from None
        paginator = OrderCursorPagination()
        page = paginator.paginate_queryset(order_list(shop=self.shop, filters=filters), request, view=self)
        return paginator.get_paginated_response(OrderSerializer(page, many=True).data)

    @extend_schema(
        request=OrderInputSerializer,
        responses={201: OrderDetailSerializer, 200: OrderDetailSerializer},
        examples=[OpenApiExample("Issue 3 order", value=ISSUE_EXAMPLE, request_only=True)],
        summary="Create or update an order by external_id (customer matched or created; 409 for a status move back)",
        operation_id="orders_upsert",
    )
    def post(self, request, **kwargs):
        try:
            order, created = order_upsert(shop=self.shop, data=request.data)
        except OrderInvalid as error:
            raise ValidationError(error.errors) from None
        except OrderStateError as error:
            raise Conflict(str(error)) from None
        return _detail_response(self.shop, order, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OrderBulkApi(ShopScopedApi):
    @extend_schema(
        request=OrderBulkInputSerializer,
        responses=BulkResultSerializer,
        summary=f"Upsert up to {MAX_BATCH} orders; one result per item",
        operation_id="orders_bulk_upsert",
    )
    def post(self, request, **kwargs):
        items = request.data.get("orders") if isinstance(request.data, dict) else request.data
        if not isinstance(items, list):
            raise ValidationError({"orders": [_("Must be a list of orders.")]})
        if len(items) > MAX_BATCH:
            raise ValidationError({"orders": [_("At most %(limit)d orders per request.") % {"limit": MAX_BATCH}]})
        results = orders_ingest_bulk(shop=self.shop, items=items)
        counts = Counter(result["result"] for result in results)
        body = {name: counts[name] for name in ("created", "updated", "unchanged")}
        return Response({**body, "errors": counts["error"], "results": results})


class OrderDetailApi(ShopScopedApi):
    @extend_schema(
        parameters=[KEY_PARAMETER],
        responses=OrderDetailSerializer,
        summary="One order with its history",
        operation_id="orders_retrieve",
    )
    def get(self, request, key: str, **kwargs):
        return Response(OrderDetailSerializer(order_detail(shop=self.shop, key=key)).data)

    @extend_schema(
        parameters=[KEY_PARAMETER],
        request=OrderStatusPatchSerializer,
        responses=OrderDetailSerializer,
        summary="Change an order's status (valid transitions only; 409 otherwise)",
        operation_id="orders_status_update",
    )
    def patch(self, request, key: str, **kwargs):
        order = order_get(shop=self.shop, key=key)
        payload = OrderStatusPatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            order = order_status_change(
                shop=self.shop,
                order_id=order.pk,
                status=payload.validated_data["status"],
                source=ChangeSource.STAFF if _staff(request) else ChangeSource.API,
                actor_user=_staff(request),
            )
        except OrderStateError as error:
            raise Conflict(str(error)) from None
        return _detail_response(self.shop, order)


class OrderRefundApi(ShopScopedApi):
    required_role = Role.MANAGER
    # The storefront's own checkout records its refunds, as it records its orders.
    required_scope = ApiKeyScope.STOREFRONT

    @extend_schema(
        parameters=[KEY_PARAMETER],
        request=RefundInputSerializer,
        responses={201: RefundSerializer},
        summary="Refund part or all of an order (at most the refundable remainder; 422 otherwise)",
        operation_id="orders_refund_create",
    )
    def post(self, request, key: str, **kwargs):
        order = order_get(shop=self.shop, key=key)
        try:
            refund = refund_create(shop=self.shop, order_id=order.pk, data=request.data, actor_user=_staff(request))
        except OrderStateError as error:
            raise Conflict(str(error)) from None
        except RefundInvalid as error:
            raise UnprocessableFields(error.errors) from None
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)


def _staff(request):
    """The acting staff user, or None for a storefront API key."""
    return request.user if getattr(request.user, "pk", None) else None
