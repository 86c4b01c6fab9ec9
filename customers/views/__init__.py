"""Customer staff pages (thin: services and selectors do the work)."""

from customers.views.detail import CustomerConsentView, CustomerDetailView, CustomerNoteAddView, CustomerTagEditView
from customers.views.imports import CustomerImportJobView, CustomerImportView
from customers.views.listing import CustomerBulkTagView, CustomerCsvExportView, CustomerListView, TagListView
from customers.views.privacy import CustomerEraseView, CustomerMergeView, CustomerPrivacyExportView
from customers.views.profile import CustomerCreateView, CustomerEditView

__all__ = [
    "CustomerBulkTagView",
    "CustomerConsentView",
    "CustomerCreateView",
    "CustomerCsvExportView",
    "CustomerDetailView",
    "CustomerEditView",
    "CustomerEraseView",
    "CustomerImportJobView",
    "CustomerImportView",
    "CustomerListView",
    "CustomerMergeView",
    "CustomerNoteAddView",
    "CustomerPrivacyExportView",
    "CustomerTagEditView",
    "TagListView",
]
