"""Managers' admin for loyalty: the program's settings, saved through the same service as the
settings page; the ledger, accounts, tier rules and tier changes read-only (points change
only through the services: orders, redemptions, adjustments)."""

from django import forms
from django.contrib import admin

from crm.shops.admin_base import ReadOnlyShopOwnedAdmin, ShopOwnedAdmin
from loyalty.models import LedgerEntry, LoyaltyAccount, LoyaltyProgram, Tier, TierChange, TierRuleVersion
from loyalty.services import program_update
from loyalty.services.program import SETTINGS_FIELDS


class LoyaltyProgramForm(forms.ModelForm):
    class Meta:
        model = LoyaltyProgram
        fields = SETTINGS_FIELDS


@admin.register(LoyaltyProgram)
class LoyaltyProgramAdmin(ShopOwnedAdmin):
    form = LoyaltyProgramForm
    list_display = ("id", "is_enabled", "points_per_unit", "return_window_days", "points_expiry_months", "updated_at")

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not LoyaltyProgram.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # switch the program off instead: its ledger stays

    def save_model(self, request, obj, form, change):
        saved = program_update(
            shop=request.admin_shop, data={name: form.cleaned_data[name] for name in SETTINGS_FIELDS}
        )
        obj.pk = saved.pk


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("id", "customer_id", "kind", "points", "growth", "remaining", "is_pending", "rule", "created_at",
                    "available_at", "expires_at")  # fmt: skip
    list_filter = ("kind", "is_pending")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = readonly_fields = (
        "customer_id", "kind", "points", "growth", "remaining", "is_pending", "order_id", "order_external_id", "rule",
        "reason", "actor_user", "created_at", "available_at", "expires_at",
    )  # fmt: skip


@admin.register(LoyaltyAccount)
class LoyaltyAccountAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("customer_id", "tier_name", "growth_value", "tier_changed_at")
    list_filter = ("tier_name",)
    ordering = ("-growth_value",)
    fields = readonly_fields = ("customer_id", "tier_name", "growth_value", "tier_changed_at")


class TierInline(admin.TabularInline):
    model = Tier
    fields = readonly_fields = ("name", "threshold", "points_multiplier", "free_shipping", "priority_service",
                                "coupon_campaign_id")  # fmt: skip
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TierRuleVersion)
class TierRuleVersionAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("effective_from", "created_by", "created_at")
    ordering = ("-effective_from",)
    fields = readonly_fields = ("effective_from", "created_by", "created_at")
    inlines = [TierInline]


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("customer_id", "old_tier", "new_tier", "changed_at")
    date_hierarchy = "changed_at"
    ordering = ("-changed_at",)
    fields = readonly_fields = ("customer_id", "old_tier", "new_tier", "changed_at")
