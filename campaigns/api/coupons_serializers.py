"""Serializers of the coupon API: outputs, and inputs that document the request shapes
(campaign input is checked by campaigns.services.coupons_input, one path for API and page)."""

from rest_framework import serializers

from campaigns.models import Campaign, Coupon, DiscountType, Redemption
from campaigns.models.coupons import MessageChannel
from customers.identity import IdentityInvalid, email_normalize, phone_normalize
from orders.api.serializers import CustomerInputSerializer, MoneyInputField
from orders.validation import money_parse


class DiscountInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=DiscountType.choices)
    amount = MoneyInputField(required=False, help_text="For fixed.")
    percent = serializers.IntegerField(required=False, min_value=1, max_value=100, help_text="For percent.")
    cap = MoneyInputField(required=False, help_text="For percent: the most it takes off.")


class AudienceSerializer(serializers.Serializer):
    segments = serializers.ListField(child=serializers.CharField(), required=False, help_text="RFM segment keys.")
    lifecycle_stages = serializers.ListField(child=serializers.CharField(), required=False)
    tags = serializers.ListField(child=serializers.IntegerField(), required=False, help_text="Tag ids.")
    total_spent_min = MoneyInputField(required=False)
    total_spent_max = MoneyInputField(required=False)
    orders_count_min = serializers.IntegerField(required=False)
    orders_count_max = serializers.IntegerField(required=False)
    consent = serializers.ChoiceField(
        choices=["sms", "email"], required=False, help_text="Marketing consent on this channel."
    )
    customer_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="An uploaded list."
    )


class CampaignInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    discount = DiscountInputSerializer()
    min_spend = MoneyInputField(required=False)
    currency = serializers.CharField(required=False, help_text="ISO 4217; the shop's by default.")
    valid_from = serializers.DateTimeField(required=False)
    valid_until = serializers.DateTimeField(required=False)
    valid_days = serializers.IntegerField(required=False, help_text="Days from issue; instead of valid_until.")
    per_customer_limit = serializers.IntegerField(required=False, default=1)
    usage_limit = serializers.IntegerField(required=False)
    budget = MoneyInputField(required=False)
    code = serializers.CharField(required=False, help_text="A shared code; without it each customer gets their own.")
    audience = AudienceSerializer(required=False)
    holdout_percent = serializers.IntegerField(required=False, default=10, min_value=0, max_value=90)
    message_channel = serializers.ChoiceField(choices=MessageChannel.choices, required=False)
    message_subject = serializers.CharField(required=False)
    message_body = serializers.CharField(required=False, help_text="{customer_name}, {coupon_code}, {amount}, ...")


class UpliftSerializer(serializers.Serializer):
    treated_rate = serializers.FloatField()
    holdout_rate = serializers.FloatField()
    difference = serializers.FloatField()
    lower = serializers.FloatField()
    upper = serializers.FloatField()
    method = serializers.CharField()


class HoldoutSerializer(serializers.Serializer):
    treated = serializers.IntegerField()
    treated_buyers = serializers.IntegerField()
    holdout = serializers.IntegerField()
    holdout_buyers = serializers.IntegerField()
    holdout_redeemed = serializers.IntegerField()
    uplift = UpliftSerializer(allow_null=True)


class CampaignSerializer(serializers.ModelSerializer):
    discount = serializers.SerializerMethodField()
    code = serializers.CharField(source="shared_code")

    class Meta:
        model = Campaign
        fields = (
            "id", "name", "status", "discount", "min_spend", "currency", "valid_from", "valid_until", "valid_days",
            "per_customer_limit", "usage_limit", "budget", "code", "audience", "holdout_percent", "message_channel",
            "created_at", "launched_at", "audience_frozen_at",
        )  # fmt: skip

    def get_discount(self, campaign: Campaign) -> dict:
        if campaign.discount_type == DiscountType.FIXED:
            return {"type": "fixed", "amount": str(campaign.discount_amount)}
        if campaign.discount_type == DiscountType.PERCENT:
            cap = None if campaign.discount_cap is None else str(campaign.discount_cap)
            return {"type": "percent", "percent": campaign.discount_percent, "cap": cap}
        return {"type": "free_shipping"}


class CampaignDetailSerializer(CampaignSerializer):
    issued = serializers.IntegerField(source="results.issued")
    redeemed = serializers.IntegerField(source="results.redeemed")
    redemption_rate = serializers.FloatField(source="results.redemption_rate", allow_null=True)
    attributed_revenue = serializers.DecimalField(source="results.attributed_revenue", max_digits=14, decimal_places=2)
    cost = serializers.DecimalField(source="results.cost", max_digits=14, decimal_places=2)
    holdout = HoldoutSerializer(source="results.holdout", allow_null=True)

    class Meta(CampaignSerializer.Meta):
        fields = CampaignSerializer.Meta.fields + (
            "issued", "redeemed", "redemption_rate", "attributed_revenue", "cost", "holdout",
        )  # fmt: skip


class CouponSerializer(serializers.ModelSerializer):
    customer = serializers.SerializerMethodField()

    class Meta:
        model = Coupon
        fields = ("id", "code", "customer", "source", "reason", "used_count", "issued_at", "expires_at")

    def get_customer(self, coupon: Coupon) -> dict:
        return {"id": coupon.customer_id, "name": coupon.customer.name}


class MoneyField(MoneyInputField):
    """An amount read by `money_parse`, as orders read theirs (no JSON floats)."""

    def to_internal_value(self, data):
        try:
            return money_parse(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None


class CouponRequestSerializer(serializers.Serializer):
    """validate, redeem: the code, who uses it, and the order."""

    code = serializers.CharField(max_length=32)
    customer = CustomerInputSerializer()
    order_total = MoneyField()
    currency = serializers.CharField(max_length=3)
    shipping = MoneyField(required=False, help_text="For free-shipping coupons: the shipping fee it takes off.")
    order_external_id = serializers.CharField(max_length=128, required=False, help_text="Required to redeem.")

    def __init__(self, *args, shop=None, is_redeem: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop, self.is_redeem = shop, is_redeem
        if is_redeem:
            self.fields["order_external_id"].required = True

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        errors = {}
        values["currency"] = values["currency"].strip().upper()
        values["customer"] = self._customer(values["customer"], errors)
        if errors:
            raise serializers.ValidationError(errors)
        return values

    def _customer(self, raw: dict, errors: dict) -> dict:
        customer = {"external_id": (raw.get("external_id") or "").strip() or None, "phone": None, "email": None}
        try:
            if raw.get("phone"):
                customer["phone"] = phone_normalize(raw["phone"], self.shop.phone_region)
            if raw.get("email"):
                customer["email"] = email_normalize(raw["email"])
        except IdentityInvalid as error:
            errors[f"customer.{error.field}"] = [error.reason]
        if not any(customer.values()) and not errors:
            errors["customer"] = ["Give at least one of external_id, phone or email."]
        return customer


class ValidateResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)
    discount = serializers.CharField(allow_null=True)


class RedemptionSerializer(serializers.ModelSerializer):
    redemption_id = serializers.IntegerField(source="pk")

    class Meta:
        model = Redemption
        fields = ("redemption_id", "discount", "code", "order_external_id", "status")


class ReleaseInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    order_external_id = serializers.CharField(max_length=128)


class AudiencePreviewSerializer(serializers.Serializer):
    audience = AudienceSerializer()


class AudienceSizeSerializer(serializers.Serializer):
    size = serializers.IntegerField()
    segment_driven = serializers.BooleanField()
