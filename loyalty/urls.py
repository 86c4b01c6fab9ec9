"""Staff pages (mounted under /s/<shop_slug>/loyalty/, namespace "loyalty") and API routes
(mounted under /api/v1/ and /api/v1/s/<shop_slug>/)."""

from django.urls import path

from loyalty import views
from loyalty.api import views as api

page_urlpatterns = [
    path("", views.ProgramView.as_view(), name="program"),
    path("tiers/", views.TiersView.as_view(), name="tiers"),
    path("customers/<int:customer_id>/adjust/", views.AdjustView.as_view(), name="adjust"),
]

api_urlpatterns = [
    path("loyalty/customers/", api.CustomerLookupApi.as_view(), name="loyalty-customer-lookup"),
    path("loyalty/customers/<int:customer_id>/", api.CustomerLoyaltyApi.as_view(), name="loyalty-customer"),
    path("loyalty/customers/<int:customer_id>/entries/", api.CustomerEntriesApi.as_view(), name="loyalty-entries"),
    path("loyalty/customers/<int:customer_id>/adjustments/", api.CustomerAdjustApi.as_view(), name="loyalty-adjust"),
    path("loyalty/redeem", api.RedeemApi.as_view(), name="loyalty-redeem"),
    path("loyalty/program/", api.ProgramApi.as_view(), name="loyalty-program"),
    path("loyalty/program/preview/", api.ProgramPreviewApi.as_view(), name="loyalty-program-preview"),
]
