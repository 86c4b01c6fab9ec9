"""Managers' admin for insights: scoring runs (read-only) and the shop's segment map, edited
through the same validator and service as the dashboard's editor."""

from django import forms
from django.contrib import admin

from crm.shops.admin_base import ReadOnlyShopOwnedAdmin, ShopOwnedAdmin
from insights.models import ScoringRun, SegmentMapConfig
from insights.scoring.rfm import segment_map_validate
from insights.services import segment_map_update


@admin.register(ScoringRun)
class ScoringRunAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("id", "as_of", "trigger", "status", "customers_scored", "bgnbd_status", "gamma_gamma_status",
                    "created_at", "finished_at")  # fmt: skip
    list_filter = ("status", "trigger", "bgnbd_status")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = (
        "as_of", "trigger", "status", "requested_by", "created_at", "started_at", "finished_at", "customers_scored",
        "rfm_cutpoints", "segment_map", "segment_counts", "bgnbd_status", "bgnbd_reason", "bgnbd_params",
        "gamma_gamma_status", "gamma_gamma_reason", "gamma_gamma_params", "fit_quality", "timings", "error",
        "scores_pruned_at",
    )  # fmt: skip
    fields = readonly_fields


class SegmentMapConfigForm(forms.ModelForm):
    class Meta:
        model = SegmentMapConfig
        fields = ("rules",)

    def clean_rules(self):
        rules = self.cleaned_data["rules"]
        try:
            segment_map_validate(rules)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return rules


@admin.register(SegmentMapConfig)
class SegmentMapConfigAdmin(ShopOwnedAdmin):
    form = SegmentMapConfigForm
    list_display = ("id", "updated_by", "updated_at")
    readonly_fields = ("updated_by", "updated_at")

    def has_add_permission(self, request) -> bool:
        # One map per shop: edit the existing one (without one, the default map applies).
        return super().has_add_permission(request) and not SegmentMapConfig.objects.exists()

    def save_model(self, request, obj, form, change):
        segment_map_update(shop=request.admin_shop, rules=form.cleaned_data["rules"], updated_by=request.user)
        obj.pk = SegmentMapConfig.objects.values_list("pk", flat=True).get()

    def delete_model(self, request, obj):
        segment_map_update(shop=request.admin_shop, rules=None, updated_by=request.user)
