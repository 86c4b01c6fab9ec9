"""Loyalty API: a customer's tier and points, their entries, redeeming against an order
(storefront keys); staff adjustments, the program's settings and tier rules with their
preview (staff managers or admin-scope keys). Customer ids go through get_for_shop:
another shop's id is the same 404 as a missing one."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from crm.models import Role
from crm.platform.channels import Channel
from crm.tenancy.access import get_for_shop
from crm.tenancy.api import ShopScopedApi
from crm.tenancy.errors import Conflict
from crm.tenancy.pagination import ShopCursorPagination
from customers.identity import IdentityInvalid, customer_resolve
from customers.models import Customer, CustomerChannelId
from loyalty.api import serializers as s
from loyalty.selectors import customer_loyalty, entry_list, local_date, program_get, rule_versions, tier_rules_of
from loyalty.services import (
    InsufficientPoints,
    LoyaltyInvalid,
    points_adjust,
    points_redeem,
    program_update,
    tier_rules_preview,
    tier_rules_schedule,
    tiers_clean,
)
from orders.api.views import UnprocessableFields


class InsufficientPointsConflict(Conflict):
    default_code = "insufficient_points"


class _CustomerLoyaltyApi(ShopScopedApi):
    def customer(self, customer_id: int) -> Customer:
        return get_for_shop(Customer, pk=customer_id)


class CustomerLookupApi(_CustomerLoyaltyApi):
    @extend_schema(
        parameters=[
            OpenApiParameter("external_id", str, required=True, description="The storefront's customer id."),
            OpenApiParameter("channel", str, description="The channel of that id, when several channels use it."),
        ],
        responses=s.CustomerLoyaltySerializer,
        summary="A customer's tier, growth value and points, by the storefront's customer id",
    )
    def get(self, request, **kwargs):
        external_id = request.query_params.get("external_id", "").strip()
        if not external_id:
            raise ValidationError({"external_id": ["Required."]})
        matches = CustomerChannelId.objects.filter(external_id=external_id)
        if request.query_params.get("channel"):
            matches = matches.filter(channel=request.query_params["channel"])
        customer_ids = set(matches.values_list("customer_id", flat=True)[:2])
        if len(customer_ids) > 1:
            raise ValidationError({"channel": ["This id is used in several channels: name the channel."]})
        if not customer_ids:
            raise NotFound()
        customer = self.customer(customer_ids.pop())
        return Response(s.CustomerLoyaltySerializer(customer_loyalty(self.shop, customer)).data)


class CustomerLoyaltyApi(_CustomerLoyaltyApi):
    @extend_schema(responses=s.CustomerLoyaltySerializer, summary="A customer's tier, growth value and points")
    def get(self, request, customer_id: int, **kwargs):
        return Response(s.CustomerLoyaltySerializer(customer_loyalty(self.shop, self.customer(customer_id))).data)


class _EntryPagination(ShopCursorPagination):
    ordering = ("-created_at", "-id")


class CustomerEntriesApi(_CustomerLoyaltyApi):
    @extend_schema(
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
        responses=s.EntrySerializer(many=True),
        summary="A customer's points entries, newest first, with their rule and order",
    )
    def get(self, request, customer_id: int, **kwargs):
        entries = entry_list(shop=self.shop, customer=self.customer(customer_id)).select_related("order")
        paginator = _EntryPagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(s.EntrySerializer(page, many=True).data)


class CustomerAdjustApi(_CustomerLoyaltyApi):
    required_role = Role.MANAGER

    @extend_schema(
        request=s.AdjustInputSerializer,
        responses={201: s.EntrySerializer},
        summary="Add or remove points by hand, with a reason (audited)",
    )
    def post(self, request, customer_id: int, **kwargs):
        customer = self.customer(customer_id)
        data = s.AdjustInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            entry = points_adjust(shop=self.shop, customer=customer, actor=_staff(request), **data.validated_data)
        except LoyaltyInvalid as error:
            raise UnprocessableFields(error.errors) from None
        except InsufficientPoints as error:
            raise InsufficientPointsConflict(f"Only {error.available} points are available.") from None
        return Response(s.EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class RedeemApi(ShopScopedApi):
    @extend_schema(
        request=s.RedeemInputSerializer,
        responses={201: s.EntrySerializer, 200: s.EntrySerializer},
        summary="Spend points on an order (once per order: a replay answers 200 with the first redemption; "
        "409 insufficient_points when the available points do not cover it)",
    )
    def post(self, request, **kwargs):
        data = s.RedeemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            customer = customer_resolve(
                shop=self.shop, channel=values.get("channel") or Channel.WEB, **values["customer"]
            )
            entry, created = points_redeem(
                shop=self.shop,
                customer=customer,
                points=values["points"],
                order_external_id=values["order_external_id"],
            )
        except IdentityInvalid as error:
            raise ValidationError({f"customer.{error.field}": [str(error.reason)]}) from None
        except LoyaltyInvalid as error:
            raise UnprocessableFields(error.errors) from None
        except InsufficientPoints as error:
            raise InsufficientPointsConflict(f"Only {error.available} points are available.") from None
        return Response(
            s.EntrySerializer(entry).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


def _program_body(shop) -> dict:
    program = program_get(shop=shop)
    today = local_date(shop, timezone.now())
    versions = rule_versions(shop=shop)
    current = next((version for version in versions if version.effective_from <= today), None)
    body = s.ProgramSerializer(program).data
    body["tiers"] = s.TierSerializer(tier_rules_of(current), many=True).data
    body["scheduled"] = [
        {"effective_from": version.effective_from, "tiers": s.TierSerializer(tier_rules_of(version), many=True).data}
        for version in reversed(versions)
        if version.effective_from > today
    ]
    return body


class ProgramApi(ShopScopedApi):
    required_role = Role.MANAGER

    @extend_schema(responses=s.ProgramSerializer, summary="The loyalty program's settings and tiers")
    def get(self, request, **kwargs):
        return Response(_program_body(self.shop))

    @extend_schema(
        request=s.ProgramSerializer,
        responses=s.ProgramSerializer,
        summary="Change settings; tiers sent take effect on tiers_effective_from (default today)",
    )
    def put(self, request, **kwargs):
        data = s.ProgramSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("tiers", None)
        effective_from = values.pop("tiers_effective_from", None) or local_date(self.shop, timezone.now())
        try:
            program_update(shop=self.shop, data=values)
            if "tiers" in request.data:
                tiers = tiers_clean(request.data["tiers"])
                tier_rules_schedule(shop=self.shop, tiers=tiers, effective_from=effective_from, actor=_staff(request))
        except LoyaltyInvalid as error:
            raise UnprocessableFields(error.errors) from None
        return Response(_program_body(self.shop))


class ProgramPreviewApi(ShopScopedApi):
    required_role = Role.MANAGER

    @extend_schema(
        request=s.TierSerializer(many=True),
        responses=s.PreviewSerializer,
        summary="How many customers a set of tiers would move up or down (nothing is saved)",
    )
    def post(self, request, **kwargs):
        try:
            preview = tier_rules_preview(shop=self.shop, tiers=tiers_clean(request.data))
        except LoyaltyInvalid as error:
            raise UnprocessableFields(error.errors) from None
        return Response(s.PreviewSerializer(preview).data)


def _staff(request):
    return request.user if getattr(request.user, "pk", None) else None
