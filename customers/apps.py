from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from crm.platform.jobs import JobKind, job_kind_register
        from crm.platform.overview import attention_source_register
        from customers import lookups
        from customers.filters import CUSTOMER_FILTER_FIELDS
        from customers.models import CustomerImportJob
        from customers.overview import overview_failed_customer_imports
        from customers.registry import CUSTOMER_FILTERS, merge_handler_register
        from customers.services.imports import customer_import_cleanup
        from customers.services.merge import consents_merge, identifiers_merge, tags_merge
        from customers.tasks import customer_import_task

        lookups.register()
        # customers' own entries in its registries, beside those of the apps above it.
        for field in CUSTOMER_FILTER_FIELDS:
            CUSTOMER_FILTERS.register(field)
        merge_handler_register("customers.customerconsent", consents_merge)
        merge_handler_register("customers.customertag", tags_merge)
        merge_handler_register("customers.customeridentifier", identifiers_merge)
        job_kind_register(
            JobKind(model=CustomerImportJob, task=customer_import_task, on_failed=customer_import_cleanup)
        )
        attention_source_register(overview_failed_customer_imports)
