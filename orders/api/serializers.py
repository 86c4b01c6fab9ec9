"""Output serializers, and input serializers that document request shapes for OpenAPI.

The input ones are for the schema only: every order payload is validated by
`orders.validation.order_clean` (one function for the single, bulk and CSV paths, and
lean enough for the bulk hot path), refunds by `orders.services.lifecycle`.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.platform.channels import ORDER_CHANNEL_CHOICES, Channel
from crm.platform.money import MONEY
from orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    Refund,
    RefundLine,
)
from orders.services import MAX_BATCH

# What `orders.validation.money_parse` takes: below 10^12, not negative, at most two decimals.
MONEY_INPUT_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
MONEY_INPUT_RULE = (
    'A decimal string such as "98.00": not negative, at most two decimals, below 10^12. '
    "A JSON float (98.0) is refused; a whole JSON number (98) is accepted."
)
AFTER_PLACED_RULE = "ISO 8601; not more than one day before placed_at."


@extend_schema_field({"type": "string", "format": "decimal", "pattern": MONEY_INPUT_PATTERN, "example": "98.00"})
class MoneyInputField(serializers.DecimalField):
    """An amount in a request, as `money_parse` enforces it (schema only, like the serializers below)."""

    def __init__(self, *, help_text: str = "", **kwargs):
        super().__init__(**MONEY, help_text=f"{help_text} {MONEY_INPUT_RULE}".strip(), **kwargs)


class CustomerInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(required=False, max_length=128, help_text="The storefront's customer id.")
    name = serializers.CharField(required=False, max_length=200)
    phone = serializers.CharField(required=False, help_text="Any format; normalized to E.164 (shop region).")
    email = serializers.CharField(required=False)


class OrderLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(required=False, max_length=200)
    category = serializers.CharField(required=False, max_length=100)
    quantity = serializers.IntegerField(min_value=1)
    unit_price = MoneyInputField()
    line_total = MoneyInputField(required=False, help_text="If given, must equal quantity × unit_price.")


class OrderInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=128, help_text="The storefront's order id; the upsert key.")
    channel = serializers.ChoiceField(choices=ORDER_CHANNEL_CHOICES, required=False, default=Channel.WEB)
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False, default=OrderStatus.PENDING)
    placed_at = serializers.DateTimeField(help_text="ISO 8601; at most one day in the future.")
    paid_at = serializers.DateTimeField(required=False, help_text=AFTER_PLACED_RULE)
    shipped_at = serializers.DateTimeField(required=False, help_text=AFTER_PLACED_RULE)
    delivered_at = serializers.DateTimeField(required=False, help_text=AFTER_PLACED_RULE)
    updated_at = serializers.DateTimeField(
        required=False,
        help_text="When the storefront last changed the order; a payload older than the stored one is ignored "
        "(result `unchanged`).",
    )
    currency = serializers.CharField(required=False, help_text="ISO 4217; defaults to the shop's currency.")
    customer = CustomerInputSerializer(help_text="Matched by channel id, then phone, then email.")
    lines = OrderLineInputSerializer(many=True, required=False)
    subtotal = MoneyInputField(required=False, help_text="Must equal the sum of the lines.")
    discount = MoneyInputField(required=False)
    shipping = MoneyInputField(required=False)
    total = MoneyInputField(help_text="Must equal subtotal − discount + shipping.")
    coupon_code = serializers.CharField(required=False, max_length=64)
    shipping_province = serializers.CharField(required=False, max_length=64)
    shipping_city = serializers.CharField(required=False, max_length=64)
    shipping_address = serializers.CharField(required=False, max_length=500)
    recipient_name = serializers.CharField(required=False, max_length=100)
    recipient_phone = serializers.CharField(required=False)


class OrderBulkInputSerializer(serializers.Serializer):
    orders = OrderInputSerializer(many=True, help_text=f"At most {MAX_BATCH} orders.")


class BulkResultItemSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error"])
    id = serializers.IntegerField(required=False, help_text="The order's id (not for errors).")
    field = serializers.CharField(required=False, help_text="The first invalid field (errors only).")
    reason = serializers.CharField(required=False)
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False, help_text="Every invalid field."
    )


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.IntegerField()
    results = BulkResultItemSerializer(many=True)


class OrderStatusPatchSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)


class RefundLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1, required=False, default=1)
    amount = MoneyInputField(required=False)


class RefundInputSerializer(serializers.Serializer):
    amount = MoneyInputField(help_text="More than zero and at most the refundable remainder.")
    reason = serializers.CharField(required=False, max_length=500)
    lines = RefundLineInputSerializer(many=True, required=False)


class CustomerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class OrderSerializer(serializers.ModelSerializer):
    customer = CustomerRefSerializer(read_only=True)

    class Meta:
        model = Order
        fields = (
            "id", "external_id", "customer", "channel", "status", "placed_at", "paid_at", "shipped_at",
            "delivered_at", "currency", "subtotal", "discount", "shipping", "total", "coupon_code",
            "shipping_province", "shipping_city", "created_at", "updated_at",
        )  # fmt: skip


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ("sku", "name", "category", "quantity", "unit_price", "line_total")


class OrderStatusChangeSerializer(serializers.ModelSerializer):
    api_key = serializers.CharField(
        source="actor_api_key.name", default=None, read_only=True, help_text="The storefront key that made it."
    )

    class Meta:
        model = OrderStatusChange
        fields = ("from_status", "to_status", "source", "api_key", "changed_at")


class RefundLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RefundLine
        fields = ("sku", "quantity", "amount")


class RefundSerializer(serializers.ModelSerializer):
    lines = RefundLineSerializer(many=True, read_only=True)

    class Meta:
        model = Refund
        fields = ("id", "amount", "reason", "lines", "created_at")


class OrderDetailSerializer(OrderSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    status_history = OrderStatusChangeSerializer(source="status_changes", many=True, read_only=True)
    refunds = RefundSerializer(many=True, read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = (
            *OrderSerializer.Meta.fields, "shipping_address", "recipient_name", "recipient_phone", "lines",
            "status_history", "refunds",
        )  # fmt: skip
