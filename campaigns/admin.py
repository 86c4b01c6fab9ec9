"""Managers' admin for care rules, coupon campaigns and price protection: read-only records
(care rules change on the care pages and through the API; campaigns
are built and launched on their pages and through the API, where the services check them;
coupons, redemptions and claims are written only by those services). Scoping comes from the
admin site (one shop per request, fail-closed managers, row-level security)."""

from django.contrib import admin

from campaigns.models import Campaign, CareRule, Coupon, CouponIssueJob, PriceClaim, PriceReport, Redemption
from crm.shops.admin_base import ReadOnlyShopOwnedAdmin


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("name", "status", "discount_type", "shared_code", "used_count", "spent", "launched_at")
    list_filter = ("status", "discount_type")
    search_fields = ("name", "shared_code")


@admin.register(Coupon)
class CouponAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("code", "campaign", "customer", "is_holdout", "source", "used_count", "issued_at")
    list_filter = ("is_holdout", "source")
    search_fields = ("code",)
    list_select_related = ("campaign", "customer")


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("code", "order_external_id", "campaign", "discount", "order_total", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("code", "order_external_id")
    list_select_related = ("campaign",)


@admin.register(CouponIssueJob)
class CouponIssueJobAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("campaign", "status", "targeted", "held_out", "attempts", "created_at", "finished_at")
    list_filter = ("status",)


@admin.register(PriceReport)
class PriceReportAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("sku", "price", "currency", "effective_at", "created_at")
    search_fields = ("sku",)


@admin.register(PriceClaim)
class PriceClaimAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("order", "sku", "quantity", "amount", "currency", "payout", "status", "created_at")
    list_filter = ("status", "payout")
    search_fields = ("sku",)
    list_select_related = ("order",)


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
