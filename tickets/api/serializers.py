"""Output serializers, and input serializers that document request shapes for OpenAPI (the
input itself is validated by the services, one path for the API and the pages)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.api.serializers import CustomerInputSerializer
from tickets.labels import severity_summary
from tickets.models import MessageKind, RequestKind, Ticket, TicketChannel, TicketMessage, TicketStatus


class TicketCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketSerializer(serializers.ModelSerializer):
    customer = TicketCustomerSerializer()
    order_external_id = serializers.SerializerMethodField()
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.__str__")
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)
    severity_summary = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = (
            "id", "number", "status", "severity", "severity_reasons", "severity_summary", "severity_reason",
            "customer", "order_external_id", "channel", "category", "category_name", "subject", "description",
            "request_kind", "assignee", "opened_at", "first_reply_due_at", "next_reply_due_at",
            "resolution_due_at", "due_at", "first_replied_at", "last_public_reply_at", "resolved_at",
            "closed_at", "sla_paused_at", "handover_note", "created_at", "updated_at",
        )  # fmt: skip

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_order_external_id(self, ticket: Ticket) -> str | None:
        return ticket.order.external_id if ticket.order_id else None

    def get_severity_summary(self, ticket: Ticket) -> str:
        return severity_summary(ticket.severity_reasons)


class TicketMessageSerializer(serializers.ModelSerializer):
    author = serializers.IntegerField(source="author_id", allow_null=True)

    class Meta:
        model = TicketMessage
        fields = ("id", "kind", "body", "author", "created_at")


class TicketDetailSerializer(TicketSerializer):
    messages = TicketMessageSerializer(many=True, source="messages_in_order")

    class Meta(TicketSerializer.Meta):
        fields = (*TicketSerializer.Meta.fields, "messages")


class TicketInputSerializer(serializers.Serializer):
    customer = CustomerInputSerializer(help_text="Matched or created as an order's customer is.")
    order_external_id = serializers.CharField(required=False, help_text="The storefront's order id.")
    channel = serializers.ChoiceField(choices=TicketChannel.choices)
    category = serializers.CharField(help_text="A category code of the shop (quality, delivery, ...) or its name.")
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, max_length=10000)
    request_kind = serializers.ChoiceField(choices=RequestKind.choices, required=False)
    opened_at = serializers.DateTimeField(required=False, help_text="When the customer complained; not in the future.")
    severity = serializers.IntegerField(min_value=1, max_value=4, required=False,
                                        help_text="Staff and admin keys only; graded otherwise.")  # fmt: skip
    severity_reason = serializers.CharField(required=False, max_length=300, help_text="Required with severity.")


class ReplyInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000)
    is_public = serializers.BooleanField(
        default=True,
        help_text="Staff and admin keys: a reply sent to the customer (true) or an internal note (false). "
        "A storefront key relays the customer's own message.",
    )


class MessageOutSerializer(TicketMessageSerializer):
    kind = serializers.ChoiceField(choices=MessageKind.choices)


class TransitionInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=TicketStatus.choices)


class AssignInputSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(
        required=False, allow_null=True, help_text="A member's user id; null unassigns; omitted assigns automatically."
    )


class SeverityInputSerializer(serializers.Serializer):
    severity = serializers.IntegerField(min_value=1, max_value=4)
    reason = serializers.CharField(max_length=300)


class CsatInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CsatResultSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    answered_at = serializers.DateTimeField()
