"""Staff pages (mounted under /s/<shop_slug>/campaigns/, namespace "campaigns") and API routes
(mounted under /api/v1/ and /api/v1/s/<shop_slug>/)."""

from django.urls import path

from campaigns.api import care as care_api
from campaigns.views import care

page_urlpatterns = [
    path("care/", care.CareRuleListView.as_view(), name="care-rules"),
    path("care/<slug:kind>/", care.CareRuleEditView.as_view(), name="care-rule-edit"),
    path("care/<slug:kind>/toggle/", care.CareRuleToggleView.as_view(), name="care-rule-toggle"),
    path("care/<slug:kind>/log/", care.CareRuleLogView.as_view(), name="care-rule-log"),
]

api_urlpatterns = [
    path("care/rules/", care_api.CareRuleListApi.as_view(), name="care-rules"),
    path("care/rules/<str:kind>/", care_api.CareRuleDetailApi.as_view(), name="care-rule-detail"),
]
