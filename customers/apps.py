from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from customers import lookups
        from customers.filters import CUSTOMER_FILTER_FIELDS
        from customers.registry import CUSTOMER_FILTERS, merge_handler_register
        from customers.services.merge import consents_merge, identifiers_merge, tags_merge

        lookups.register()
        # customers' own entries in its registries, beside those of the apps above it.
        for field in CUSTOMER_FILTER_FIELDS:
            CUSTOMER_FILTERS.register(field)
        merge_handler_register("customers.customerconsent", consents_merge)
        merge_handler_register("customers.customertag", tags_merge)
        merge_handler_register("customers.customeridentifier", identifiers_merge)
