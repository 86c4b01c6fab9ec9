"""Coupon campaign API for staff and admin keys, and the storefront's coupon endpoints
(validate, redeem, release). Thin: parse, call a service or selector, render."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from campaigns.api.coupons_serializers import (
    AudiencePreviewSerializer,
    AudienceSizeSerializer,
    CampaignDetailSerializer,
    CampaignInputSerializer,
    CampaignSerializer,
    CouponRequestSerializer,
    CouponSerializer,
    RedemptionSerializer,
    ReleaseInputSerializer,
    ValidateResultSerializer,
)
from campaigns.selectors.coupons import campaign_coupons, campaign_get, campaign_list, campaign_results
from campaigns.services.audience import AudienceInvalid, audience_clean, audience_is_segment_driven, audience_size
from campaigns.services.coupons import CampaignStateError, campaign_create, campaign_launch
from campaigns.services.coupons_input import CampaignInvalid
from campaigns.services.redemption import (
    CouponRefused,
    CouponRequest,
    coupon_redeem,
    coupon_release,
    coupon_validate,
)
from crm.models import Role
from crm.tenancy.api import ShopScopedApi
from crm.tenancy.errors import Conflict, Unprocessable, error_body
from crm.tenancy.pagination import ShopCursorPagination


class CampaignPagination(ShopCursorPagination):
    ordering = ("-created_at", "-id")


class CouponPagination(ShopCursorPagination):
    ordering = ("id",)


def _detail(campaign, status_code=status.HTTP_200_OK) -> Response:
    campaign.results = campaign_results(campaign=campaign)
    return Response(CampaignDetailSerializer(campaign).data, status=status_code)


class CampaignListApi(ShopScopedApi):
    required_role = Role.MANAGER

    @extend_schema(
        responses=CampaignSerializer(many=True), summary="List coupon campaigns", operation_id="campaigns_list"
    )
    def get(self, request, **kwargs):
        paginator = CampaignPagination()
        page = paginator.paginate_queryset(campaign_list(shop=self.shop), request, view=self)
        return paginator.get_paginated_response(CampaignSerializer(page, many=True).data)

    @extend_schema(
        request=CampaignInputSerializer,
        responses={201: CampaignDetailSerializer},
        summary="Create a draft coupon campaign (a shared code, an audience, or both)",
        operation_id="campaigns_create",
    )
    def post(self, request, **kwargs):
        try:
            campaign = campaign_create(shop=self.shop, data=request.data, created_by=_staff(request))
        except CampaignInvalid as error:
            raise ValidationError(error.errors) from None
        return _detail(campaign, status.HTTP_201_CREATED)


class CampaignDetailApi(ShopScopedApi):
    required_role = Role.MANAGER

    @extend_schema(
        responses=CampaignDetailSerializer, summary="A campaign with its results", operation_id="campaigns_retrieve"
    )
    def get(self, request, campaign_id: int, **kwargs):
        return _detail(campaign_get(shop=self.shop, campaign_id=campaign_id))


class CampaignLaunchApi(ShopScopedApi):
    required_role = Role.MANAGER

    @extend_schema(
        request=None,
        responses=CampaignDetailSerializer,
        summary="Launch a draft campaign (its audience is frozen and its coupons issued by a job)",
        operation_id="campaigns_launch",
    )
    def post(self, request, campaign_id: int, **kwargs):
        campaign = campaign_get(shop=self.shop, campaign_id=campaign_id)
        try:
            campaign = campaign_launch(shop=self.shop, campaign_id=campaign.pk)
        except CampaignStateError as error:
            raise Conflict(str(error)) from None
        return _detail(campaign)


class CampaignCouponsApi(ShopScopedApi):
    required_role = Role.MANAGER

    @extend_schema(
        responses=CouponSerializer(many=True),
        summary="The codes a campaign issued, with their customers",
        operation_id="campaigns_coupons",
    )
    def get(self, request, campaign_id: int, **kwargs):
        campaign = campaign_get(shop=self.shop, campaign_id=campaign_id)
        paginator = CouponPagination()
        page = paginator.paginate_queryset(campaign_coupons(campaign=campaign), request, view=self)
        return paginator.get_paginated_response(CouponSerializer(page, many=True).data)


class AudiencePreviewApi(ShopScopedApi):
    required_role = Role.MANAGER
    idempotent_methods = frozenset()  # a read

    @extend_schema(
        request=AudiencePreviewSerializer,
        responses=AudienceSizeSerializer,
        summary="How many customers an audience has now",
        operation_id="campaigns_audience_preview",
    )
    def post(self, request, **kwargs):
        raw = request.data.get("audience") if isinstance(request.data, dict) else None
        try:
            audience = audience_clean(raw)
        except AudienceInvalid as error:
            raise ValidationError({"audience": error.errors}) from None
        size = audience_size(shop=self.shop, audience=audience)
        return Response({"size": size, "segment_driven": audience_is_segment_driven(audience)})


def _coupon_request(api: ShopScopedApi, request, *, is_redeem: bool) -> CouponRequest:
    payload = CouponRequestSerializer(data=request.data, shop=api.shop, is_redeem=is_redeem)
    payload.is_valid(raise_exception=True)
    return CouponRequest(**payload.validated_data)


class CouponValidateApi(ShopScopedApi):
    idempotent_methods = frozenset()  # a read

    @extend_schema(
        request=CouponRequestSerializer,
        responses=ValidateResultSerializer,
        summary="Would this code apply to this customer's order, and why not",
        operation_id="coupons_validate",
    )
    def post(self, request, **kwargs):
        coupon_request = _coupon_request(self, request, is_redeem=False)
        try:
            discount = coupon_validate(shop=self.shop, request=coupon_request)
        except CouponRefused as refusal:
            return Response({"valid": False, "reason": refusal.reason, "discount": None})
        return Response({"valid": True, "reason": None, "discount": str(discount)})


class CouponRedeemApi(ShopScopedApi):
    @extend_schema(
        request=CouponRequestSerializer,
        responses={201: RedemptionSerializer},
        summary="Use a code for an order (the same order again: the same answer)",
        operation_id="coupons_redeem",
    )
    def post(self, request, **kwargs):
        coupon_request = _coupon_request(self, request, is_redeem=True)
        try:
            redemption, _created = coupon_redeem(shop=self.shop, request=coupon_request)
        except CouponRefused as refusal:
            raise _refusal(refusal) from None
        return Response(RedemptionSerializer(redemption).data, status=status.HTTP_201_CREATED)


def _refusal(refusal: CouponRefused):
    """409 when the code is used up (others' uses), 422 for everything about this customer or order."""
    error = Conflict if refusal.reason == "usage_limit_reached" else Unprocessable
    return error(refusal.reason, code=refusal.reason)


class CouponReleaseApi(ShopScopedApi):
    @extend_schema(
        request=ReleaseInputSerializer,
        responses=RedemptionSerializer,
        summary="Give a code's use by an order back (404 when there is none)",
        operation_id="coupons_release",
    )
    def post(self, request, **kwargs):
        payload = ReleaseInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        redemption = coupon_release(shop=self.shop, **payload.validated_data)
        if redemption is None:
            return Response(
                error_body("not_found", "No use of this code by this order."), status=status.HTTP_404_NOT_FOUND
            )
        return Response(RedemptionSerializer(redemption).data)


def _staff(request):
    return request.user if getattr(request.user, "pk", None) else None
