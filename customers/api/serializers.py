"""Serializers of the customer API. Relation fields are shop-scoped: ids named in input
are checked against the shop in scope by the views (get_for_shop) or services."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.platform.channels import Channel
from crm.platform.money import MONEY
from customers.models import ConsentChannel, ConsentPurpose, Customer, CustomerNote, Gender, Tag
from customers.selectors.overview import overview_sections_json


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ("id", "name", "color", "created_at")
        read_only_fields = ("id", "created_at")


class TagBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    color = serializers.CharField()


class CustomerTagSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="tag.id")
    name = serializers.CharField(source="tag.name")
    color = serializers.CharField(source="tag.color")
    source = serializers.CharField()
    set_by = serializers.CharField(source="set_by_user", allow_null=True)
    created_at = serializers.DateTimeField()


class ChannelIdSerializer(serializers.Serializer):
    channel = serializers.CharField()
    external_id = serializers.CharField()


class CustomerSerializer(serializers.ModelSerializer):
    tags = serializers.SerializerMethodField()
    channel_ids = ChannelIdSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = (
            "id", "name", "phone", "email", "gender", "birthday", "province", "city", "district", "source_channel",
            "attributes", "is_automated_targeting_refused", "language", "orders_count", "total_spent",
            "refunds_count", "refunded_amount", "first_order_at", "last_order_at", "merged_into", "erased_at",
            "created_at", "updated_at", "tags", "channel_ids",
        )  # fmt: skip
        read_only_fields = fields

    def get_tags(self, customer: Customer) -> list[dict]:
        # .all() so a prefetch (customer lists) is used; sorted here for the same reason.
        tags = sorted((row.tag for row in customer.customer_tags.all()), key=lambda tag: tag.name)
        return TagBriefSerializer(tags, many=True).data


class CustomerListItemSerializer(serializers.Serializer):
    """Documents the list rows (PostgreSQL encodes them: customers/selectors/list_statements.py row_json_sql)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    gender = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()
    source_channel = serializers.CharField()
    orders_count = serializers.IntegerField()
    total_spent = serializers.DecimalField(**MONEY)
    refunds_count = serializers.IntegerField()
    refunded_amount = serializers.DecimalField(**MONEY)
    first_order_at = serializers.DateTimeField(allow_null=True)
    last_order_at = serializers.DateTimeField(allow_null=True)
    is_automated_targeting_refused = serializers.BooleanField()
    erased_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    tags = TagBriefSerializer(many=True)


class CustomerPageSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True, help_text="URL of the next page; null on the last page.")
    results = CustomerListItemSerializer(many=True)


class CustomerWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, allow_null=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, allow_null=True)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    birthday = serializers.DateField(required=False, allow_null=True, help_text="From 1900-01-01 to today.")
    province = serializers.CharField(max_length=64, required=False, allow_blank=True)
    city = serializers.CharField(max_length=64, required=False, allow_blank=True)
    district = serializers.CharField(max_length=64, required=False, allow_blank=True)
    source_channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    attributes = serializers.DictField(required=False)
    is_automated_targeting_refused = serializers.BooleanField(required=False)
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES], required=False, allow_blank=True,
        help_text="The language of messages to this customer; blank for the shop's.",
    )  # fmt: skip


class CustomerCreateSerializer(CustomerWriteSerializer):
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, help_text="Where this identity comes from."
    )
    external_id = serializers.CharField(
        max_length=128,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The storefront's own id for this customer on `channel`.",
    )

    def validate(self, data: dict) -> dict:
        if not any(data.get(name) for name in ("external_id", "phone", "email", "name")):
            raise serializers.ValidationError({"phone": ["Give at least a name, phone, email or external_id."]})
        if data.get("external_id") and not data.get("channel"):
            raise serializers.ValidationError({"channel": ["Required with external_id."]})
        return data


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.CharField(read_only=True, allow_null=True)
    body = serializers.CharField(max_length=5000)

    class Meta:
        model = CustomerNote
        fields = ("id", "body", "author", "created_at")
        read_only_fields = ("id", "author", "created_at")


class ConsentChangeSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ConsentChannel.choices, required=False)
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices, required=False)
    is_granted = serializers.BooleanField(required=False)
    is_automated_targeting_refused = serializers.BooleanField(required=False)
    source = serializers.CharField(max_length=64, help_text="Where the decision was made, e.g. 'checkout', 'call'.")

    def validate(self, data: dict) -> dict:
        consent_keys = [name for name in ("channel", "purpose", "is_granted") if name in data]
        if consent_keys and len(consent_keys) != 3:
            missing = {"channel", "purpose", "is_granted"} - set(consent_keys)
            raise serializers.ValidationError({name: ["Required with a consent change."] for name in missing})
        if not consent_keys and "is_automated_targeting_refused" not in data:
            raise serializers.ValidationError({"is_granted": ["Nothing to change."]})
        return data


class ConsentStateSerializer(serializers.Serializer):
    channel = serializers.CharField()
    purpose = serializers.CharField()
    is_granted = serializers.BooleanField()
    source = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)


class StatsSerializer(serializers.Serializer):
    orders_count = serializers.IntegerField()
    total_spent = serializers.DecimalField(**MONEY)
    average_order_value = serializers.DecimalField(**MONEY, allow_null=True)
    first_order_at = serializers.DateTimeField(allow_null=True)
    last_order_at = serializers.DateTimeField(allow_null=True)
    refunds_count = serializers.IntegerField()
    refunded_amount = serializers.DecimalField(**MONEY)
    net_spent = serializers.DecimalField(**MONEY)


class OverviewSerializer(serializers.Serializer):
    customer = CustomerSerializer()
    stats = StatsSerializer()
    tags = CustomerTagSerializer(many=True)
    notes = NoteSerializer(many=True)
    consent = ConsentStateSerializer(many=True)
    sections = serializers.SerializerMethodField(
        help_text="Added by other apps, by name. `orders`: the 20 most recent orders, newest first; "
        "`scores`: the body of GET /insights/customers/{id}/scores/."
    )

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_sections(self, overview: dict) -> dict:
        return overview_sections_json(overview["sections"])


class TagAssignSerializer(serializers.Serializer):
    tag_id = serializers.IntegerField()


class BulkTagSerializer(serializers.Serializer):
    tag_id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=(("add", "add"), ("remove", "remove")))
    customer_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=1000)


class BulkTagResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField()


class MergeSerializer(serializers.Serializer):
    duplicate_id = serializers.IntegerField()


class MergeResultSerializer(serializers.Serializer):
    survivor_id = serializers.IntegerField()
    duplicate_id = serializers.IntegerField()
    moved = serializers.DictField(child=serializers.IntegerField())


class DuplicateSerializer(serializers.Serializer):
    customer = CustomerSerializer()
    reasons = serializers.ListField(child=serializers.CharField())
