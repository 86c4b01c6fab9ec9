"""Campaign models, one module per subdomain (coupons, price protection; care rules live
beside them), re-exported here so Django and other modules import from campaigns.models."""

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
