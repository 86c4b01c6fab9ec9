"""The service calendar and SLA policy of the shop: GET and PUT of the issue's documents.
Managers on a session, or admin-scope keys (a storefront key gets 403)."""

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from crm.models import ApiKeyScope, Role
from crm.tenancy.api import ShopScopedApi
from tickets.business_time import CalendarError, calendar_document
from tickets.services.sla import (
    SlaDocumentError,
    service_calendar_get,
    service_calendar_set,
    sla_document,
    sla_policies_get,
    sla_policies_set,
)


class ServiceCalendarApi(ShopScopedApi):
    required_role = Role.MANAGER
    required_scope = ApiKeyScope.ADMIN

    @extend_schema(
        responses=OpenApiTypes.OBJECT, summary="The shop's service calendar", operation_id="service_calendar"
    )
    def get(self, request, **kwargs):
        return Response(calendar_document(service_calendar_get(shop=self.shop)))

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        summary="Replace the service calendar (weekly periods, holidays, make-up workdays); 400 names the field",
        operation_id="service_calendar_update",
    )
    def put(self, request, **kwargs):
        try:
            calendar = service_calendar_set(shop=self.shop, document=request.data)
        except CalendarError as error:
            raise exceptions.ValidationError({error.field: [error.message]}) from None
        return Response(calendar_document(calendar))


class SlaPolicyApi(ShopScopedApi):
    required_role = Role.MANAGER
    required_scope = ApiKeyScope.ADMIN

    @extend_schema(
        responses=OpenApiTypes.OBJECT, summary="The shop's SLA targets per severity", operation_id="service_sla"
    )
    def get(self, request, **kwargs):
        return Response(sla_document(sla_policies_get(shop=self.shop)))

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        summary="Replace the SLA targets of severities 1-4; 400 names the field",
        operation_id="service_sla_update",
    )
    def put(self, request, **kwargs):
        try:
            policies = sla_policies_set(shop=self.shop, document=request.data)
        except SlaDocumentError as error:
            raise exceptions.ValidationError({error.field: [error.message]}) from None
        return Response(sla_document(policies))
