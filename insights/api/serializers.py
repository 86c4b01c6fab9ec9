"""Serializers of the insights API (responses are built from selectors' dicts and rows)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.platform.money import MONEY
from insights.models import CustomerScore, LifecycleStage, ScoringRun
from insights.scoring.rfm import DEFAULT_SEGMENT_MAP
from insights.selectors import run_progress

SEGMENT_KEY = r"^[a-z][a-z0-9_]{0,49}$"


class RunRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    as_of = serializers.DateField()


class ProgressSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="queued, running, succeeded or failed")
    percent = serializers.IntegerField(min_value=0, max_value=100)
    stage = serializers.CharField(help_text="The stage a running run is in (empty otherwise).")
    label = serializers.CharField()


class RunSerializer(serializers.ModelSerializer):
    # Plain strings (values listed in help texts) keep the schema free of enum-name clashes.
    trigger = serializers.CharField(read_only=True, help_text="nightly, staff or command")
    status = serializers.CharField(read_only=True, help_text="queued, running, succeeded or failed")
    bgnbd_status = serializers.CharField(read_only=True, help_text="ok, insufficient_data or not_run")
    gamma_gamma_status = serializers.CharField(read_only=True, help_text="ok, insufficient_data or not_run")
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ScoringRun
        fields = (
            "id", "as_of", "trigger", "status", "progress", "created_at", "started_at", "finished_at",
            "customers_scored", "bgnbd_status", "gamma_gamma_status", "error",
        )  # fmt: skip

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, run: ScoringRun) -> dict:
        return ProgressSerializer(run_progress(run=run)).data


class RunDetailSerializer(RunSerializer):
    class Meta(RunSerializer.Meta):
        fields = (
            *RunSerializer.Meta.fields, "rfm_cutpoints", "segment_map", "segment_counts", "bgnbd_reason",
            "bgnbd_params", "gamma_gamma_reason", "gamma_gamma_params", "fit_quality", "timings", "stats",
            "scores_pruned_at",
        )  # fmt: skip


class RunCreateSerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, help_text="Score as of the end of this day in the shop's timezone (default: today)."
    )


class SegmentRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    customers = serializers.IntegerField()
    customer_share = serializers.FloatField()
    revenue = serializers.DecimalField(**MONEY, help_text="Net spend of the segment's customers up to the as-of day.")
    revenue_share = serializers.FloatField()
    clv_total = serializers.DecimalField(**MONEY, allow_null=True)
    average_clv = serializers.DecimalField(**MONEY, allow_null=True, help_text="Null without a usable spend model.")


class SegmentSummarySerializer(serializers.Serializer):
    run = RunRefSerializer(allow_null=True)
    currency = serializers.CharField()
    segments = SegmentRowSerializer(many=True)


class CustomerScoreSerializer(serializers.ModelSerializer):
    run_id = serializers.IntegerField()
    as_of = serializers.DateField(source="run.as_of")

    class Meta:
        model = CustomerScore
        fields = (
            "run_id", "as_of", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment",
            "p_alive", "expected_purchases_90d", "expected_order_value", "clv_12m", "lifecycle_stage", "churn_risk",
        )  # fmt: skip


class ExplanationSerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=["recency_days", "frequency", "monetary"])
    value = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=False)
    score = serializers.IntegerField()
    thresholds = serializers.ListField(child=serializers.FloatField())
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    above = serializers.FloatField(allow_null=True, help_text="The value's band: above < value <= up_to (null: open).")
    up_to = serializers.FloatField(allow_null=True)


class CustomerScoresSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    run = RunRefSerializer(allow_null=True, help_text="The shop's current run.")
    current = CustomerScoreSerializer(allow_null=True, help_text="The score in the shop's current run, if scored.")
    explanation = ExplanationSerializer(many=True, help_text="The current run's cut points behind each score.")
    history = CustomerScoreSerializer(many=True, help_text="Scores in succeeded runs, newest first.")


class SegmentRefSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class MovementSerializer(serializers.Serializer):
    from_run = RunRefSerializer(allow_null=True)
    to_run = RunRefSerializer(allow_null=True)
    segments = SegmentRefSerializer(many=True, help_text='Row and column order; "none" = not scored in that run.')
    matrix = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="matrix[i][j]: customers in segments[i] in from_run and segments[j] in to_run.",
    )
    moved = serializers.IntegerField()
    stayed = serializers.IntegerField()


class SegmentCustomerSerializer(CustomerScoreSerializer):
    customer_id = serializers.IntegerField()
    name = serializers.CharField(source="customer.name")

    class Meta(CustomerScoreSerializer.Meta):
        fields = ("customer_id", "name", *CustomerScoreSerializer.Meta.fields)


class SegmentCustomerPageSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = SegmentCustomerSerializer(many=True)


class ScoreFilterSerializer(serializers.Serializer):
    """The allow-listed score filters (query parameters); ranges are inclusive."""

    lifecycle_stage = serializers.MultipleChoiceField(choices=LifecycleStage.choices, required=False)
    clv__gte = serializers.DecimalField(**MONEY, required=False)
    clv__lte = serializers.DecimalField(**MONEY, required=False)
    p_alive__gte = serializers.FloatField(min_value=0, max_value=1, required=False)
    p_alive__lte = serializers.FloatField(min_value=0, max_value=1, required=False)
    ordering = serializers.ChoiceField(
        choices=["-monetary", "monetary", "-customer_id", "customer_id"], default="-monetary"
    )

    def validate(self, attrs):
        for low, high in (("clv__gte", "clv__lte"), ("p_alive__gte", "p_alive__lte")):
            if attrs.get(low) is not None and attrs.get(high) is not None and attrs[low] > attrs[high]:
                raise serializers.ValidationError({high: [f"Must be at least {low}."]})
        return attrs


class ClvBucketSerializer(serializers.Serializer):
    lower = serializers.FloatField()
    upper = serializers.FloatField(allow_null=True, help_text="Null for the open-ended top bucket.")
    customers = serializers.IntegerField()


class ClvDistributionSerializer(serializers.Serializer):
    run = RunRefSerializer(allow_null=True)
    currency = serializers.CharField()
    status = serializers.CharField(help_text='"ok", or why there is no CLV (the spend model status).')
    buckets = ClvBucketSerializer(many=True)


class SegmentRuleSerializer(serializers.Serializer):
    key = serializers.RegexField(SEGMENT_KEY, help_text="snake_case, at most 50 characters")
    name = serializers.CharField(max_length=100)
    r = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=5), min_length=2, max_length=2)
    fm = serializers.ListField(child=serializers.FloatField(min_value=1, max_value=5), min_length=2, max_length=2)


class SegmentMapSerializer(serializers.Serializer):
    rules = SegmentRuleSerializer(many=True, help_text="First matching rule wins; every R/F/M combination is covered.")
    is_default = serializers.BooleanField(read_only=True)


class SegmentMapWriteSerializer(serializers.Serializer):
    rules = SegmentRuleSerializer(
        many=True,
        allow_null=True,
        allow_empty=False,
        help_text=f"null restores the default map ({len(DEFAULT_SEGMENT_MAP)} segments).",
    )

    def validate_rules(self, rules):
        # allow_null reaches the items of a many=True field too: null is for the whole map only.
        if rules is not None and any(rule is None for rule in rules):
            raise serializers.ValidationError("Each rule must be an object, not null.")
        return rules
