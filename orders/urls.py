"""Staff pages (mounted under /s/<shop_slug>/orders/) and API routes (mounted under
/api/v1/ and /api/v1/s/<shop_slug>/)."""

from django.urls import path

from orders.api import views as api

page_urlpatterns: list = []
api_urlpatterns = [
    path("orders/", api.OrderListApi.as_view(), name="orders-list"),
    path("orders/bulk/", api.OrderBulkApi.as_view(), name="orders-bulk"),
    path("orders/<str:key>/", api.OrderDetailApi.as_view(), name="orders-detail"),
    path("orders/<str:key>/refunds/", api.OrderRefundApi.as_view(), name="orders-refunds"),
]
