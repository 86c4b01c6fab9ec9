"""Staff pages (mounted under /s/<shop_slug>/insights/, namespace "insights") and API routes
(mounted under /api/v1/ and /api/v1/s/<shop_slug>/)."""

from django.urls import path

from insights import views
from insights.api import views as api

page_urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("runs/start/", views.RunStartView.as_view(), name="run-start"),
    path("runs/<int:run_id>/", views.RunDetailView.as_view(), name="run-detail"),
    path("runs/<int:run_id>/status/", views.RunStatusView.as_view(), name="run-status"),
    path("segment-map/", views.SegmentMapView.as_view(), name="segment-map"),
]

api_urlpatterns = [
    path("insights/segments/", api.SegmentSummaryApi.as_view(), name="insights-segments"),
    path(
        "insights/segments/<slug:segment>/customers/",
        api.SegmentCustomersApi.as_view(),
        name="insights-segment-customers",
    ),
    path(
        "insights/customers/<int:customer_id>/scores/", api.CustomerScoresApi.as_view(), name="insights-customer-scores"
    ),
    path("insights/movement/", api.MovementApi.as_view(), name="insights-movement"),
    path("insights/clv-distribution/", api.ClvDistributionApi.as_view(), name="insights-clv-distribution"),
    path("insights/runs/", api.RunListApi.as_view(), name="insights-runs"),
    path("insights/runs/<int:run_id>/", api.RunDetailApi.as_view(), name="insights-run-detail"),
    path("insights/segment-map/", api.SegmentMapApi.as_view(), name="insights-segment-map"),
]
