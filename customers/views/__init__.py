"""Customer staff pages (thin: services and selectors do the work)."""

from customers.views.detail import CustomerConsentView, CustomerDetailView, CustomerNoteAddView, CustomerTagEditView
from customers.views.listing import CustomerBulkTagView, CustomerCsvExportView, CustomerListView
from customers.views.privacy import CustomerEraseView, CustomerMergeView, CustomerPrivacyExportView

__all__ = [
    "CustomerBulkTagView",
    "CustomerConsentView",
    "CustomerCsvExportView",
    "CustomerDetailView",
    "CustomerEraseView",
    "CustomerListView",
    "CustomerMergeView",
    "CustomerNoteAddView",
    "CustomerPrivacyExportView",
    "CustomerTagEditView",
]
