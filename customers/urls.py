"""Staff pages (mounted under /s/<shop_slug>/customers/, namespace "customers") and API
routes (mounted under /api/v1/ and /api/v1/s/<shop_slug>/)."""

from django.urls import path

from customers import views
from customers.api import customers as customer_api
from customers.api import privacy as privacy_api
from customers.api import relations as relations_api

page_urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("export.csv", views.CustomerCsvExportView.as_view(), name="export-csv"),
    path("bulk-tag/", views.CustomerBulkTagView.as_view(), name="bulk-tag"),
    path("import/", views.CustomerImportView.as_view(), name="import"),
    path("import/<int:job_id>/", views.CustomerImportJobView.as_view(), name="import-job"),
    path("new/", views.CustomerCreateView.as_view(), name="create"),
    path("tags/", views.TagListView.as_view(), name="tag-list"),
    path("<int:customer_id>/", views.CustomerDetailView.as_view(), name="detail"),
    path("<int:customer_id>/edit/", views.CustomerEditView.as_view(), name="edit"),
    path("<int:customer_id>/notes/", views.CustomerNoteAddView.as_view(), name="note-add"),
    path("<int:customer_id>/tags/", views.CustomerTagEditView.as_view(), name="tags"),
    path("<int:customer_id>/consent/", views.CustomerConsentView.as_view(), name="consent"),
    path("<int:customer_id>/merge/", views.CustomerMergeView.as_view(), name="merge"),
    path("<int:customer_id>/export/", views.CustomerPrivacyExportView.as_view(), name="export"),
    path("<int:customer_id>/erase/", views.CustomerEraseView.as_view(), name="erase"),
]

api_urlpatterns = [
    path("customers/", customer_api.CustomerListApi.as_view(), name="customer-list"),
    path("customers/export.csv", customer_api.CustomerCsvExportApi.as_view(), name="customer-export-csv"),
    path("customers/bulk-tag/", relations_api.CustomerBulkTagApi.as_view(), name="customer-bulk-tag"),
    path("customers/<int:customer_id>/", customer_api.CustomerDetailApi.as_view(), name="customer-detail"),
    path("customers/<int:customer_id>/overview/", customer_api.CustomerOverviewApi.as_view(), name="customer-overview"),
    path("customers/<int:customer_id>/notes/", relations_api.CustomerNotesApi.as_view(), name="customer-notes"),
    path("customers/<int:customer_id>/consent/", relations_api.CustomerConsentApi.as_view(), name="customer-consent"),
    path("customers/<int:customer_id>/tags/", relations_api.CustomerTagsApi.as_view(), name="customer-tags"),
    path("customers/<int:customer_id>/tags/<int:tag_id>/", relations_api.CustomerTagApi.as_view(), name="customer-tag"),
    path(
        "customers/<int:customer_id>/duplicates/",
        privacy_api.CustomerDuplicatesApi.as_view(),
        name="customer-duplicates",
    ),
    path("customers/<int:customer_id>/merge/", privacy_api.CustomerMergeApi.as_view(), name="customer-merge"),
    path("customers/<int:customer_id>/export/", privacy_api.CustomerExportApi.as_view(), name="customer-export"),
    path("customers/<int:customer_id>/erase/", privacy_api.CustomerEraseApi.as_view(), name="customer-erase"),
    path("tags/", relations_api.TagListApi.as_view(), name="tag-list"),
    path("tags/<int:tag_id>/", relations_api.TagDetailApi.as_view(), name="tag-detail"),
]
