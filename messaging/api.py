"""Staff and admin-scope API for the message log (thin: parse, call a selector or service)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.models import ApiKeyScope, Role
from crm.tenancy.api import ShopScopedApi
from crm.tenancy.errors import Conflict
from crm.tenancy.pagination import ShopCursorPagination
from messaging.filters import FilterInvalid, message_filters_parse
from messaging.models import Channel, Message, MessageStatus
from messaging.selectors import message_get, message_list
from messaging.services.outbox import ResendRefused, message_resend


class MessageSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)

    class Meta:
        model = Message
        fields = ("id", "customer", "rule", "occasion", "channel", "purpose", "status", "reason", "send_after",
                  "attempts", "sent_at", "clicks", "created_at")  # fmt: skip
        read_only_fields = fields


class MessageDetailSerializer(MessageSerializer):
    class Meta(MessageSerializer.Meta):
        fields = (*MessageSerializer.Meta.fields, "is_segment_driven", "recipient", "rendered_subject",
                  "rendered_body", "link_url", "provider_message_id", "claimed_at", "updated_at")  # fmt: skip
        read_only_fields = fields


class MessageCursorPagination(ShopCursorPagination):
    ordering = ("-created_at", "-id")


FILTER_PARAMETERS = [
    OpenApiParameter("customer", OpenApiTypes.INT, description="Customer id."),
    OpenApiParameter("rule", OpenApiTypes.STR, description='A rule ("care.birthday") or its kind ("birthday").'),
    OpenApiParameter("channel", OpenApiTypes.STR, enum=Channel.values),
    OpenApiParameter("status", OpenApiTypes.STR, enum=MessageStatus.values),
    OpenApiParameter("created_after", OpenApiTypes.DATE, description="Inclusive, in the shop's timezone."),
    OpenApiParameter("created_before", OpenApiTypes.DATE, description="Inclusive, in the shop's timezone."),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next`/`previous` of the last page."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="At most 200."),
]
ID_PARAMETER = OpenApiParameter("message_id", OpenApiTypes.INT, OpenApiParameter.PATH)
PAGINATED_MESSAGES = inline_serializer(
    "PaginatedMessageList",
    fields={
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": MessageSerializer(many=True),
    },
)


class MessageListApi(ShopScopedApi):
    required_scope = ApiKeyScope.ADMIN

    @extend_schema(parameters=FILTER_PARAMETERS, responses=PAGINATED_MESSAGES, operation_id="messages_list",
                   summary="The message log, newest first")  # fmt: skip
    def get(self, request, **kwargs):
        try:
            filters = message_filters_parse(request.query_params)
        except FilterInvalid as error:
            raise ValidationError(error.errors) from None
        paginator = MessageCursorPagination()
        page = paginator.paginate_queryset(message_list(shop=self.shop, filters=filters), request, view=self)
        return paginator.get_paginated_response(MessageSerializer(page, many=True).data)


class MessageDetailApi(ShopScopedApi):
    required_scope = ApiKeyScope.ADMIN

    @extend_schema(parameters=[ID_PARAMETER], responses=MessageDetailSerializer, operation_id="messages_retrieve",
                   summary="One message with its status, reason and what was sent")  # fmt: skip
    def get(self, request, message_id: int, **kwargs):
        return Response(MessageDetailSerializer(message_get(shop=self.shop, message_id=message_id)).data)


class MessageResendApi(ShopScopedApi):
    required_role = Role.MANAGER

    @extend_schema(parameters=[ID_PARAMETER], request=None, responses={200: MessageDetailSerializer},
                   operation_id="messages_resend",
                   summary="Queue a failed or unknown message again (409 for any other status)")  # fmt: skip
    def post(self, request, message_id: int, **kwargs):
        message = message_get(shop=self.shop, message_id=message_id)
        try:
            message = message_resend(shop=self.shop, message=message)
        except ResendRefused:
            raise Conflict(f"Only failed or unknown messages can be resent; this one is {message.status}.") from None
        return Response(MessageDetailSerializer(message).data, status=status.HTTP_200_OK)
