"""Staff pages for orders: the list (filters, search, cursor paging, export), one order
with its actions (status, refund, note), and the CSV import with its progress."""

from orders.views.detail import OrderDetailView, OrderNoteAddView, OrderRefundView, OrderStatusView
from orders.views.imports import ImportJobView, OrderImportView
from orders.views.listing import OrderExportView, OrderListView

__all__ = [
    "ImportJobView",
    "OrderDetailView",
    "OrderExportView",
    "OrderImportView",
    "OrderListView",
    "OrderNoteAddView",
    "OrderRefundView",
    "OrderStatusView",
]
