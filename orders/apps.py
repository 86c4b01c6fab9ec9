from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # The shop overview (crm never imports orders): KPIs, recent orders, failed imports.
        from crm.overview import OverviewPanel, attention_source_register, overview_panel_register
        from orders.overview import overview_failed_imports, overview_kpis, overview_recent_orders

        overview_panel_register(OverviewPanel("kpis", overview_kpis, "orders/_overview_kpis.html", 10, wide=True))
        overview_panel_register(
            OverviewPanel("recent_orders", overview_recent_orders, "orders/_overview_recent.html", 30)
        )
        attention_source_register(overview_failed_imports)
