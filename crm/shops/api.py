"""Shop-level API: the key's shop, and (staff sessions, owners) staff and API keys."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.models import ApiKey, ApiKeyScope, Membership, Role, Shop
from crm.shops.invitations import invitation_create
from crm.shops.services import (
    LastOwnerError,
    api_key_create,
    api_key_revoke,
    membership_remove,
    membership_set,
)
from crm.tenancy.access import get_for_shop
from crm.tenancy.api import ShopScopedApi


class ShopSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shop
        fields = ("id", "slug", "name", "timezone", "currency", "phone_region", "language")


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ("id", "email", "full_name", "role", "created_at")


class InvitationSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class ApiKeySerializer(serializers.ModelSerializer):
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiKey
        fields = ("id", "name", "scope", "prefix", "created_at", "last_used_at", "revoked_at", "is_active")


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = (*ApiKeySerializer.Meta.fields, "key")


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(
        choices=ApiKeyScope.choices,
        default=ApiKeyScope.STOREFRONT,
        help_text="storefront: ingest and read; admin: also export, erase, merge and what staff need a manager for.",
    )


class ShopApi(ShopScopedApi):
    @extend_schema(responses=ShopSerializer, summary="The shop of the calling API key or URL")
    def get(self, request, **kwargs):
        return Response(ShopSerializer(self.shop).data)


class MembershipListApi(ShopScopedApi):
    required_role = Role.OWNER
    allow_api_key = False

    @extend_schema(responses=MembershipSerializer(many=True), summary="Staff of the shop")
    def get(self, request, **kwargs):
        memberships = Membership.objects.select_related("user").order_by("user__email")
        return Response(MembershipSerializer(memberships, many=True).data)

    @extend_schema(
        request=InvitationSerializer,
        responses={202: InvitationSerializer},
        summary="Invite someone by email",
        description="Emails a link that expires in 7 days; the person joins when they accept it. "
        "The answer is the same whether or not the email has an account.",
    )
    def post(self, request, **kwargs):
        payload = InvitationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        invitation = invitation_create(
            shop=self.shop, **payload.validated_data, invited_by=request.user, site_url=request.build_absolute_uri("/")
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_202_ACCEPTED)


class MembershipDetailApi(ShopScopedApi):
    required_role = Role.OWNER
    allow_api_key = False

    @extend_schema(request=RoleSerializer, responses=MembershipSerializer, summary="Change a staff member's role")
    def patch(self, request, membership_id: int, **kwargs):
        membership = get_for_shop(Membership, pk=membership_id)
        payload = RoleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            membership = membership_set(shop=self.shop, user=membership.user, role=payload.validated_data["role"])
        except LastOwnerError as error:
            raise serializers.ValidationError({"role": [str(error)]}) from None
        return Response(MembershipSerializer(membership).data)

    @extend_schema(responses={204: None}, summary="Remove a staff member from the shop")
    def delete(self, request, membership_id: int, **kwargs):
        try:
            membership_remove(membership=get_for_shop(Membership, pk=membership_id))
        except LastOwnerError as error:
            raise serializers.ValidationError({"role": [str(error)]}) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiKeyListApi(ShopScopedApi):
    required_role = Role.OWNER
    allow_api_key = False
    # The response carries the raw key, which must never be stored: no replay records.
    idempotent_methods = frozenset()

    @extend_schema(responses=ApiKeySerializer(many=True), summary="API keys of the shop")
    def get(self, request, **kwargs):
        return Response(ApiKeySerializer(ApiKey.objects.order_by("-created_at"), many=True).data)

    @extend_schema(request=ApiKeyCreateSerializer, responses={201: ApiKeyCreatedSerializer})
    def post(self, request, **kwargs):
        payload = ApiKeyCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if ApiKey.objects.filter(name=payload.validated_data["name"]).exists():
            raise serializers.ValidationError({"name": ["A key with this name exists."]})
        api_key, raw_key = api_key_create(shop=self.shop, **payload.validated_data, created_by=request.user)
        api_key.key = raw_key
        return Response(ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)


class ApiKeyRevokeApi(ShopScopedApi):
    required_role = Role.OWNER
    allow_api_key = False

    @extend_schema(request=None, responses=ApiKeySerializer, summary="Revoke an API key")
    def post(self, request, api_key_id: int, **kwargs):
        return Response(ApiKeySerializer(api_key_revoke(api_key=get_for_shop(ApiKey, pk=api_key_id))).data)


urlpatterns = [
    path("shop/", ShopApi.as_view(), name="shop"),
    path("members/", MembershipListApi.as_view(), name="members"),
    path("members/<int:membership_id>/", MembershipDetailApi.as_view(), name="member"),
    path("api-keys/", ApiKeyListApi.as_view(), name="api-keys"),
    path("api-keys/<int:api_key_id>/revoke/", ApiKeyRevokeApi.as_view(), name="api-key-revoke"),
]
