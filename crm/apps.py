from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Shops and staff")

    def ready(self) -> None:
        from crm.tenancy import schema  # noqa: F401 - registers the OpenAPI auth extension

        post_migrate.connect(_install_tenant_context_key, sender=self)


def _install_tenant_context_key(using: str, **kwargs) -> None:
    from crm.tenancy.context import tenant_context_key_install

    tenant_context_key_install(using=using)
