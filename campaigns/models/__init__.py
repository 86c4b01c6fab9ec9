"""Campaign models, one module per subdomain (care rules, coupons, price protection),
re-exported here so Django and other modules import from campaigns.models."""

from campaigns.models.care import CareKind, CareRule
from campaigns.models.coupons import (
    Campaign,
    CampaignStatus,
    Coupon,
    CouponIssueJob,
    CouponSource,
    DiscountType,
    Redemption,
    RedemptionStatus,
)
from campaigns.models.prices import (
    ClaimMode,
    ClaimPayout,
    ClaimStatus,
    PriceClaim,
    PriceProtectionSetting,
    PriceReport,
)

__all__ = [
    "Campaign",
    "CampaignStatus",
    "CareKind",
    "CareRule",
    "ClaimMode",
    "ClaimPayout",
    "ClaimStatus",
    "Coupon",
    "CouponIssueJob",
    "CouponSource",
    "DiscountType",
    "PriceClaim",
    "PriceProtectionSetting",
    "PriceReport",
    "Redemption",
    "RedemptionStatus",
]
