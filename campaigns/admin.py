"""Managers' admin for campaigns: care rules, read-only (they change on the care pages and
through the API, where the service checks templates and writes the audit row)."""

from django.contrib import admin

from campaigns.models import CareRule
from crm.shops.admin_base import ReadOnlyShopOwnedAdmin


@admin.register(CareRule)
class CareRuleAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("kind", "is_enabled", "channels", "days", "gap_multiple", "scanned_on", "updated_at")
    list_filter = ("is_enabled", "kind")
    ordering = ("kind",)
    readonly_fields = (
        "kind", "is_enabled", "channels", "days", "gap_multiple", "segments", "subject", "body", "coupon_campaign_id",
        "scanned_on", "updated_by", "updated_at",
    )  # fmt: skip
    fields = readonly_fields
