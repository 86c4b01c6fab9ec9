"""Staff pages (mounted under /s/<shop_slug>/orders/) and API routes (mounted under
/api/v1/ and /api/v1/s/<shop_slug>/)."""

from django.urls import path

from orders import views
from orders.api import views as api

page_urlpatterns = [
    path("", views.OrderListView.as_view(), name="list"),
    path("export.csv", views.OrderExportView.as_view(), name="export"),
    path("import/", views.OrderImportView.as_view(), name="import"),
    path("import/<int:job_id>/", views.ImportJobView.as_view(), name="import-job"),
    path("<str:key>/", views.OrderDetailView.as_view(), name="detail"),
    path("<str:key>/status/", views.OrderStatusView.as_view(), name="status"),
    path("<str:key>/refund/", views.OrderRefundView.as_view(), name="refund"),
    path("<str:key>/notes/", views.OrderNoteAddView.as_view(), name="note-add"),
]
api_urlpatterns = [
    path("orders/", api.OrderListApi.as_view(), name="orders-list"),
    path("orders/bulk/", api.OrderBulkApi.as_view(), name="orders-bulk"),
    path("orders/<str:key>/", api.OrderDetailApi.as_view(), name="orders-detail"),
    path("orders/<str:key>/refunds/", api.OrderRefundApi.as_view(), name="orders-refunds"),
]
