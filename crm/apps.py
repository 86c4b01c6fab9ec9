from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Shops and staff")

    def ready(self) -> None:
        from crm.tenancy import schema  # noqa: F401 - registers the OpenAPI auth extension

        post_migrate.connect(_after_migrate, sender=self)


def _after_migrate(using: str, **kwargs) -> None:
    from django.db import connections

    from crm.tenancy.context import tenant_context_key_install
    from crm.tenancy.migrations import placement_policies_verify

    tenant_context_key_install(using=using)
    with connections[using].cursor() as cursor:
        placement_policies_verify(cursor)
