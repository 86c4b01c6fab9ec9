"""Output serializers, and input serializers that document request shapes for OpenAPI.

The input ones are for the schema only: every order payload is validated by
`orders.validation.order_clean` (one function for the single, bulk and CSV paths, and
lean enough for the bulk hot path), refunds by `orders.services.lifecycle`.
"""

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
    unit_price = serializers.DecimalField(**MONEY)
    line_total = serializers.DecimalField(
        **MONEY, required=False, help_text="If given, must equal quantity × unit_price."
    )


class OrderInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=128, help_text="The storefront's order id; the upsert key.")
    channel = serializers.ChoiceField(choices=ORDER_CHANNEL_CHOICES, required=False, default=Channel.WEB)
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False, default=OrderStatus.PENDING)
    placed_at = serializers.DateTimeField(help_text="ISO 8601; at most one day in the future.")
    paid_at = serializers.DateTimeField(required=False)
    shipped_at = serializers.DateTimeField(required=False)
    delivered_at = serializers.DateTimeField(required=False)
    updated_at = serializers.DateTimeField(
        required=False,
        help_text="When the storefront last changed the order; a payload older than the stored one is ignored "
        "(result `unchanged`).",
    )
    currency = serializers.CharField(required=False, help_text="ISO 4217; defaults to the shop's currency.")
    customer = CustomerInputSerializer(help_text="Matched by channel id, then phone, then email.")
    lines = OrderLineInputSerializer(many=True, required=False)
    subtotal = serializers.DecimalField(**MONEY, required=False, help_text="Must equal the sum of the lines.")
    discount = serializers.DecimalField(**MONEY, required=False)
    shipping = serializers.DecimalField(**MONEY, required=False)
    total = serializers.DecimalField(**MONEY, help_text="Must equal subtotal − discount + shipping.")
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
    amount = serializers.DecimalField(**MONEY, required=False)


class RefundInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY, help_text="At most the refundable remainder.")
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
