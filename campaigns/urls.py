"""Staff pages (mounted under /s/<shop_slug>/campaigns/) and API routes (mounted under
/api/v1/ and /api/v1/s/<shop_slug>/)."""

from django.urls import path

from campaigns.api import care as care_api
from campaigns.api import coupons as coupons_api
from campaigns.api import price_protection as price_api
from campaigns.views import care
from campaigns.views import coupons as coupon_views
from campaigns.views import price_protection as price_views

page_urlpatterns = [
    path("", coupon_views.CampaignListView.as_view(), name="list"),
    path("new/", coupon_views.CampaignBuilderView.as_view(), name="new"),
    path("new/preview/", coupon_views.BuilderPreviewView.as_view(), name="builder-preview"),
    path("<int:campaign_id>/", coupon_views.CampaignDetailView.as_view(), name="detail"),
    path("<int:campaign_id>/action/", coupon_views.CampaignActionView.as_view(), name="action"),
    path("price-protection/", price_views.PriceProtectionView.as_view(), name="price-protection"),
    path("care/", care.CareRuleListView.as_view(), name="care-rules"),
    path("care/<slug:kind>/", care.CareRuleEditView.as_view(), name="care-rule-edit"),
    path("care/<slug:kind>/toggle/", care.CareRuleToggleView.as_view(), name="care-rule-toggle"),
    path("care/<slug:kind>/log/", care.CareRuleLogView.as_view(), name="care-rule-log"),
]
api_urlpatterns = [
    path("campaigns/", coupons_api.CampaignListApi.as_view(), name="campaigns-list"),
    path("campaigns/audience-preview/", coupons_api.AudiencePreviewApi.as_view(), name="campaigns-audience-preview"),
    path("campaigns/<int:campaign_id>/", coupons_api.CampaignDetailApi.as_view(), name="campaigns-detail"),
    path("campaigns/<int:campaign_id>/launch/", coupons_api.CampaignLaunchApi.as_view(), name="campaigns-launch"),
    path("campaigns/<int:campaign_id>/coupons/", coupons_api.CampaignCouponsApi.as_view(), name="campaigns-coupons"),
    # The storefront's coupon calls, named as the contract names them (no trailing slash).
    path("coupons/validate", coupons_api.CouponValidateApi.as_view(), name="coupons-validate"),
    path("coupons/redeem", coupons_api.CouponRedeemApi.as_view(), name="coupons-redeem"),
    path("coupons/release", coupons_api.CouponReleaseApi.as_view(), name="coupons-release"),
    path("prices/", price_api.PriceReportApi.as_view(), name="prices-report"),
    path("price-protection/claims/", price_api.PriceClaimListApi.as_view(), name="price-claims"),
    path("care/rules/", care_api.CareRuleListApi.as_view(), name="care-rules"),
    path("care/rules/<str:kind>/", care_api.CareRuleDetailApi.as_view(), name="care-rule-detail"),
]
