from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Shops and staff")

    def ready(self) -> None:
        from crm.tenancy import schema  # noqa: F401 - registers the OpenAPI auth extension
