from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from crm.platform.overview import attention_source_register
        from tickets.overview import overview_sla_breaches

        attention_source_register(overview_sla_breaches)
