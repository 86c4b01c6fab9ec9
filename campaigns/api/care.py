"""Care rules API: every kind's rule, one rule by kind, and changing one (managers, admin keys).

A kind is named in the path; a name that is no kind is a 404 like any missing object. Rules
are the shop's own (read and written in its scope), so another shop's rules are never seen.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from campaigns.models import CareKind, CareRule
from campaigns.services.care_rules import (
    CHANNELS,
    GAP_MULTIPLE_RANGE,
    MAX_DAYS,
    TIMING_FIELDS,
    CareRuleInvalid,
    care_rule_get,
    care_rule_list,
    care_rule_update,
)
from crm.models import ApiKeyScope, Role, User
from crm.tenancy.access import has_role, membership_for_slug
from crm.tenancy.api import ShopScopedApi
from crm.tenancy.pagination import CappedPageNumberPagination, page_schema
from messaging.models import Channel

TEXTS_HELP = 'Per language: {"zh-hans": "...", "en": "..."} (a plain string: one text for both).'


class CareRuleSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=", ".join(CareKind.values))
    enabled = serializers.BooleanField(source="is_enabled")
    rule = serializers.CharField(source="rule_name", read_only=True, help_text="The rule's name on its messages.")
    timing_fields = serializers.SerializerMethodField()
    updated_at = serializers.SerializerMethodField()

    class Meta:
        model = CareRule
        fields = (
            "kind", "rule", "enabled", "channels", "timing_fields", "days", "gap_multiple", "segments", "subject",
            "body", "coupon_campaign_id", "updated_at",
        )  # fmt: skip

    def get_timing_fields(self, rule: CareRule) -> list[str]:
        return list(TIMING_FIELDS[rule.kind])

    def get_updated_at(self, rule: CareRule) -> str | None:
        """None while the rule is its default (never changed)."""
        return rule.updated_at.isoformat() if rule.pk else None


class CareRuleWriteSerializer(serializers.Serializer):
    """Types only; what the values may be is the service's to say (care_rule_update)."""

    enabled = serializers.BooleanField(source="is_enabled", required=False)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False, max_length=len(CHANNELS)
    )
    days = serializers.IntegerField(min_value=0, max_value=MAX_DAYS, required=False)
    gap_multiple = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=GAP_MULTIPLE_RANGE[0], max_value=GAP_MULTIPLE_RANGE[1],
        allow_null=True, required=False,
    )  # fmt: skip
    segments = serializers.ListField(
        child=serializers.RegexField(r"^[a-z][a-z0-9_]{0,49}$"), required=False, max_length=50
    )
    subject = serializers.JSONField(required=False, help_text=TEXTS_HELP)
    body = serializers.JSONField(required=False, help_text=TEXTS_HELP)

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError({name: ["Not a field of a care rule."] for name in sorted(unknown)})
        return attrs


class _CareApi(ShopScopedApi):
    required_role = Role.AGENT
    required_scope = ApiKeyScope.ADMIN


class CareRuleListApi(_CareApi):
    @page_schema(
        CareRuleSerializer,
        summary="Every kind's care rule (defaults for those never changed)",
        operation_id="care_rules_list",
    )
    def get(self, request, **kwargs):
        paginator = CappedPageNumberPagination()
        page = paginator.paginate_queryset(care_rule_list(shop=self.shop), request, view=self)
        return paginator.get_paginated_response(CareRuleSerializer(page, many=True).data)


class CareRuleDetailApi(_CareApi):
    def _rule(self, kind: str) -> CareRule:
        rule = care_rule_get(shop=self.shop, kind=kind)
        if rule is None:
            raise exceptions.NotFound()
        return rule

    @extend_schema(responses=CareRuleSerializer, summary="One care rule by kind")
    def get(self, request, kind: str, **kwargs):
        return Response(CareRuleSerializer(self._rule(kind)).data)

    @extend_schema(
        request=CareRuleWriteSerializer, responses=CareRuleSerializer, summary="Change a care rule (managers)"
    )
    def patch(self, request, kind: str, **kwargs):
        self._rule(kind)
        staff = request.user if isinstance(request.user, User) else None
        if staff is not None and not has_role(membership_for_slug(staff, kwargs["shop_slug"]), Role.MANAGER):
            raise exceptions.PermissionDenied("Only managers and owners can change care rules.")
        payload = CareRuleWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            rule = care_rule_update(shop=self.shop, kind=kind, changes=payload.validated_data, updated_by=staff)
        except CareRuleInvalid as error:
            raise serializers.ValidationError(error.errors) from None
        return Response(CareRuleSerializer(rule).data)
