"""Shapes of the loyalty API (the contract other systems code against: issue 21)."""

from rest_framework import serializers

from loyalty.models import GrowthPeriod, LedgerEntry, LoyaltyProgram
from loyalty.selectors import customer_loyalty, entry_list
from orders.api.serializers import CustomerInputSerializer


class ExpiringSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    date = serializers.DateField()


class CustomerLoyaltySerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    is_program_enabled = serializers.BooleanField()
    tier = serializers.CharField(allow_null=True)
    growth_value = serializers.IntegerField()
    growth_period = serializers.ChoiceField(choices=GrowthPeriod.choices)
    growth_counts_until = serializers.DateField(
        allow_null=True, help_text="Growth earned today counts until this date (rolling 12 months); null: for good."
    )
    next_tier = serializers.CharField(allow_null=True)
    next_tier_threshold = serializers.IntegerField(allow_null=True)
    growth_to_next_tier = serializers.IntegerField(help_text="Growth value still needed; 0 at the top tier.")
    points_available = serializers.IntegerField()
    points_pending = serializers.IntegerField(help_text="Earned, available once the return window ends.")
    points_debt = serializers.IntegerField(help_text="Points clawed back after they were spent; paid by later points.")
    points_balance = serializers.IntegerField(help_text="The sum of all entries.")
    points_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    expiring = ExpiringSerializer(many=True)


class EntrySerializer(serializers.ModelSerializer):
    order_external_id = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = (
            "id", "kind", "points", "growth", "rule", "reason", "order_external_id", "is_pending", "created_at",
            "available_at", "expires_at",
        )  # fmt: skip

    def get_order_external_id(self, entry: LedgerEntry) -> str:
        return entry.order.external_id if entry.order_id else entry.order_external_id


class RedeemInputSerializer(serializers.Serializer):
    customer = CustomerInputSerializer(help_text="As in orders: matched by channel id, then phone, then email.")
    channel = serializers.CharField(required=False, help_text="The channel of customer.external_id (default web).")
    points = serializers.IntegerField(min_value=1, max_value=1_000_000_000)
    order_external_id = serializers.CharField(max_length=128)


class AdjustInputSerializer(serializers.Serializer):
    points = serializers.IntegerField(min_value=-1_000_000_000, max_value=1_000_000_000)
    reason = serializers.CharField(max_length=500)


class TierSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    threshold = serializers.IntegerField(min_value=0)
    points_multiplier = serializers.DecimalField(max_digits=4, decimal_places=2, required=False)
    free_shipping = serializers.BooleanField(required=False)
    priority_service = serializers.BooleanField(required=False)
    coupon_campaign_id = serializers.IntegerField(required=False, allow_null=True)


class ProgramSerializer(serializers.ModelSerializer):
    tiers = TierSerializer(many=True, required=False, help_text="The tiers in force today (sorted by threshold).")
    tiers_effective_from = serializers.DateField(
        required=False, write_only=True, help_text="When the tiers sent take effect (shop-local date; default today)."
    )
    scheduled = serializers.ListField(read_only=True, child=serializers.DictField(), help_text="Later rule versions.")

    class Meta:
        model = LoyaltyProgram
        fields = (
            "is_enabled", "points_per_unit", "growth_per_unit", "return_window_days", "points_expiry_months",
            "expiry_reminder_days", "growth_period", "yearly_decay_percent", "point_value", "tiers",
            "tiers_effective_from", "scheduled",
        )  # fmt: skip


class PreviewSerializer(serializers.Serializer):
    up = serializers.IntegerField()
    down = serializers.IntegerField()
    same = serializers.IntegerField()
    per_tier = serializers.DictField(child=serializers.IntegerField())


def customer_loyalty_section_json(section: dict) -> dict:
    """The loyalty section of the customer 360 API: the same state as the loyalty API, and
    the latest entries."""
    return {
        "loyalty": CustomerLoyaltySerializer(section["loyalty"]).data,
        "entries": EntrySerializer(section["entries"], many=True).data,
    }


def customer_loyalty_export(*, shop, customer) -> dict:
    """The privacy export's loyalty part: the state and every entry."""
    entries = entry_list(shop=shop, customer=customer).select_related("order")
    return customer_loyalty_section_json({"loyalty": customer_loyalty(shop, customer), "entries": entries})
