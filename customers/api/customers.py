"""Customer list/search/filters (cursor pages), create (through identity resolution),
detail, update, the 360 overview and the filtered CSV export."""

import json
from urllib.parse import urlencode

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response

from crm.models import Role
from crm.tenancy.api import ShopScopedApi
from crm.tenancy.pagination import page_size_param
from crm.tenancy.rendering import EncodedJson, EncodedJsonRenderer
from customers.api.common import DOMAIN_ERRORS, as_validation_error, live_customer_get
from customers.api.serializers import (
    CustomerCreateSerializer,
    CustomerPageSerializer,
    CustomerSerializer,
    CustomerWriteSerializer,
    OverviewSerializer,
)
from customers.csv_export import customer_csv_response
from customers.registry import CUSTOMER_FILTERS
from customers.selectors import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ORDERINGS,
    customer_list,
    customer_overview,
    customer_queryset,
)
from customers.services import customer_create, customer_update

LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Search: name (partial), phone (partial digits), email, external id."),
    OpenApiParameter("cursor", str, description="Opaque cursor from `next`."),
    OpenApiParameter("page_size", int, description=f"1-{MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE}."),
    OpenApiParameter("ordering", str, enum=list(ORDERINGS), description="Default -id (newest first)."),
    OpenApiParameter(
        "filters",
        OpenApiTypes.OBJECT,
        style="form",
        explode=True,
        description="Allow-listed filters as `name` or `name__op`: "
        + ", ".join(f"{field.name} ({'/'.join(field.operators)})" for field in CUSTOMER_FILTERS.fields.values()),
    ),
]


def _ordering(raw: str | None) -> str:
    if raw in (None, ""):
        return "-id"
    if raw not in ORDERINGS:
        raise serializers.ValidationError({"ordering": [f"One of {', '.join(ORDERINGS)}."]})
    return raw


class CustomerListApi(ShopScopedApi):
    renderer_classes = (EncodedJsonRenderer, BrowsableAPIRenderer)

    @extend_schema(
        operation_id="customers_list",
        parameters=LIST_PARAMETERS,
        responses=CustomerPageSerializer,
        summary="List and search customers",
    )
    def get(self, request, **kwargs):
        params = request.query_params
        try:
            page = customer_list(
                shop=self.shop,
                params=params,
                cursor=params.get("cursor") or None,
                size=page_size_param(params.get("page_size"), default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE),
                ordering=_ordering(params.get("ordering")),
                as_json=True,
            )
        except DOMAIN_ERRORS as error:
            raise as_validation_error(error) from None
        next_url = None
        if page.next_cursor:
            query = {**params.dict(), "cursor": page.next_cursor}
            next_url = request.build_absolute_uri(request.path) + "?" + urlencode(query)
        # The rows are JSON already (PostgreSQL encoded them): only the frame is added here.
        body = f'{{"next":{json.dumps(next_url, ensure_ascii=False)},"results":[{",".join(page.rows)}]}}'
        return Response(EncodedJson(body))

    @extend_schema(
        request=CustomerCreateSerializer,
        responses={201: CustomerSerializer, 200: CustomerSerializer},
        summary="Create a customer, or return the known one (matched by channel id, phone, email)",
    )
    def post(self, request, **kwargs):
        payload = CustomerCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            customer, created = customer_create(shop=self.shop, data=payload.validated_data)
        except DOMAIN_ERRORS as error:
            raise as_validation_error(error) from None
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED if created else 200)


class CustomerDetailApi(ShopScopedApi):
    @extend_schema(responses=CustomerSerializer, summary="One customer")
    def get(self, request, customer_id: int, **kwargs):
        return Response(CustomerSerializer(live_customer_get(customer_id)).data)

    @extend_schema(request=CustomerWriteSerializer, responses=CustomerSerializer, summary="Edit a customer")
    def patch(self, request, customer_id: int, **kwargs):
        customer = live_customer_get(customer_id)
        payload = CustomerWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        try:
            customer = customer_update(shop=self.shop, customer=customer, data=payload.validated_data)
        except DOMAIN_ERRORS as error:
            raise as_validation_error(error) from None
        return Response(CustomerSerializer(customer).data)


class CustomerOverviewApi(ShopScopedApi):
    @extend_schema(responses=OverviewSerializer, summary="Customer 360: profile, order stats, tags, notes, consent")
    def get(self, request, customer_id: int, **kwargs):
        overview = customer_overview(shop=self.shop, customer=live_customer_get(customer_id))
        return Response(OverviewSerializer(overview).data)


class CustomerCsvExportApi(ShopScopedApi):
    required_role = Role.MANAGER  # every customer's phone and email at once

    @extend_schema(
        parameters=LIST_PARAMETERS[:1] + LIST_PARAMETERS[4:],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        summary="Export the customers matching the filters as CSV (streamed)",
    )
    def get(self, request, **kwargs):
        try:
            queryset = customer_queryset(shop=self.shop, params=request.query_params)
        except DOMAIN_ERRORS as error:
            raise as_validation_error(error) from None
        return customer_csv_response(shop=self.shop, queryset=queryset)
