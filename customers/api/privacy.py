"""Duplicates and merge; privacy export and erasure (manager and up for staff)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from crm.models import Role
from crm.tenancy.api import ShopScopedApi
from customers.api.common import DOMAIN_ERRORS, as_validation_error, live_customer_get
from customers.api.serializers import CustomerSerializer, DuplicateSerializer, MergeResultSerializer, MergeSerializer
from customers.selectors import customer_duplicate_candidates
from customers.services import customer_erase, customer_export, customer_merge


class CustomerDuplicatesApi(ShopScopedApi):
    @extend_schema(responses=DuplicateSerializer(many=True), summary="Customers that look like this one")
    def get(self, request, customer_id: int, **kwargs):
        candidates = customer_duplicate_candidates(customer=live_customer_get(customer_id))
        rows = [{"customer": customer, "reasons": reasons} for customer, reasons in candidates]
        return Response(DuplicateSerializer(rows, many=True).data)


class CustomerMergeApi(ShopScopedApi):
    required_role = Role.MANAGER

    @extend_schema(
        request=MergeSerializer, responses=MergeResultSerializer, summary="Merge a duplicate into this customer"
    )
    def post(self, request, customer_id: int, **kwargs):
        survivor = live_customer_get(customer_id)
        payload = MergeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        duplicate = live_customer_get(payload.validated_data["duplicate_id"])
        try:
            merge = customer_merge(shop=self.shop, survivor=survivor, duplicate=duplicate)
        except DOMAIN_ERRORS as error:
            raise as_validation_error(error) from None
        return Response({"survivor_id": survivor.pk, "duplicate_id": duplicate.pk, "moved": merge.moved})


class CustomerExportApi(ShopScopedApi):
    required_role = Role.MANAGER

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Everything the shop holds about this customer (privacy)")
    def get(self, request, customer_id: int, **kwargs):
        return Response(customer_export(shop=self.shop, customer=live_customer_get(customer_id)))


class CustomerEraseApi(ShopScopedApi):
    required_role = Role.MANAGER
    # The stored response would be a copy of what was just erased.
    idempotent_methods = frozenset()

    @extend_schema(request=None, responses=CustomerSerializer, summary="Erase this customer's personal data")
    def post(self, request, customer_id: int, **kwargs):
        customer = customer_erase(shop=self.shop, customer=live_customer_get(customer_id))
        return Response(CustomerSerializer(customer).data)
