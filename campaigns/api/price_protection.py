"""Price protection API: the storefront reports price changes, lists claims, and asks for
one on a customer's behalf (shops whose claims are made on request)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from campaigns.models import ClaimStatus, PriceClaim
from campaigns.services.price_protection import PriceReportInvalid, price_claim_request, price_reports_record
from crm.tenancy.api import ShopScopedApi
from crm.tenancy.errors import error_body
from crm.tenancy.pagination import ShopCursorPagination
from orders.api.serializers import MoneyInputField
from orders.selectors import order_get


class PriceInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    price = MoneyInputField()
    currency = serializers.CharField(max_length=3)
    effective_at = serializers.DateTimeField()


class PriceBulkInputSerializer(serializers.Serializer):
    prices = PriceInputSerializer(many=True)


class PriceClaimSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.external_id")

    class Meta:
        model = PriceClaim
        fields = (
            "id",
            "customer",
            "order",
            "sku",
            "quantity",
            "price_before",
            "price_after",
            "amount",
            "currency",
            "payout",
            "status",
            "failure_reason",
            "refund_id",
            "coupon",
            "created_at",
        )


class PriceReportResultSerializer(serializers.Serializer):
    reports_created = serializers.IntegerField()
    reports_unchanged = serializers.IntegerField()
    claims = PriceClaimSerializer(many=True)


class ClaimRequestSerializer(serializers.Serializer):
    order_external_id = serializers.CharField(max_length=128)
    sku = serializers.CharField(max_length=64)


class PriceReportApi(ShopScopedApi):
    @extend_schema(
        request=PriceBulkInputSerializer,
        responses=PriceReportResultSerializer,
        summary="Report price changes (a list under `prices`, or one object)",
        operation_id="prices_report",
    )
    def post(self, request, **kwargs):
        data = request.data
        items = data.get("prices", [data]) if isinstance(data, dict) else data
        try:
            result = price_reports_record(shop=self.shop, items=items)
        except PriceReportInvalid as error:
            raise ValidationError(error.errors) from None
        body = {
            "reports_created": result.reports_created,
            "reports_unchanged": result.reports_unchanged,
            "claims": PriceClaimSerializer(result.claims, many=True).data,
        }
        return Response(body)


class ClaimPagination(ShopCursorPagination):
    ordering = ("-created_at", "-id")


CLAIM_FILTERS = [
    OpenApiParameter("customer", OpenApiTypes.INT, description="Customer id."),
    OpenApiParameter("order", OpenApiTypes.STR, description="The external order id."),
    OpenApiParameter("status", OpenApiTypes.STR, enum=ClaimStatus.values),
]


class PriceClaimListApi(ShopScopedApi):
    @extend_schema(
        parameters=CLAIM_FILTERS,
        responses=PriceClaimSerializer(many=True),
        summary="Price-protection claims, newest first",
        operation_id="price_claims_list",
    )
    def get(self, request, **kwargs):
        claims = PriceClaim.objects.select_related("order")
        params = request.query_params
        if params.get("customer"):
            if not params["customer"].isdigit() or len(params["customer"]) > 18:
                raise ValidationError({"customer": [_("Must be a customer id.")]})
            claims = claims.filter(customer_id=int(params["customer"]))
        if params.get("order"):
            claims = claims.filter(order__external_id=params["order"])
        if params.get("status"):
            if params["status"] not in ClaimStatus.values:
                raise ValidationError(
                    {"status": [_("Must be one of: %(values)s.") % {"values": ", ".join(ClaimStatus.values)}]}
                )
            claims = claims.filter(status=params["status"])
        paginator = ClaimPagination()
        page = paginator.paginate_queryset(claims, request, view=self)
        return paginator.get_paginated_response(PriceClaimSerializer(page, many=True).data)

    @extend_schema(
        request=ClaimRequestSerializer,
        responses={201: PriceClaimSerializer},
        summary="Ask for a claim on an order line (404 when nothing is owed)",
        operation_id="price_claims_request",
    )
    def post(self, request, **kwargs):
        payload = ClaimRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        order = order_get(shop=self.shop, key=payload.validated_data["order_external_id"])
        claim = price_claim_request(shop=self.shop, order=order, sku=payload.validated_data["sku"])
        if claim is None:
            body = error_body("not_found", "No price drop to claim for this order line.")
            return Response(body, status=status.HTTP_404_NOT_FOUND)
        return Response(PriceClaimSerializer(claim).data, status=status.HTTP_201_CREATED)
