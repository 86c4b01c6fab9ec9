from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # Durable import jobs; and the shop overview (crm never imports orders): KPIs,
        # recent orders, failed imports.
        from crm.jobs import JobKind, job_kind_register
        from crm.overview import OverviewPanel, attention_source_register, overview_panel_register
        from orders.models import ImportJob
        from orders.overview import overview_failed_imports, overview_kpis, overview_recent_orders
        from orders.services.imports import import_job_cleanup
        from orders.tasks import order_import_task

        job_kind_register(JobKind(model=ImportJob, task=order_import_task, on_failed=import_job_cleanup))
        overview_panel_register(OverviewPanel("kpis", overview_kpis, "orders/_overview_kpis.html", 10, wide=True))
        overview_panel_register(
            OverviewPanel("recent_orders", overview_recent_orders, "orders/_overview_recent.html", 30)
        )
        attention_source_register(overview_failed_imports)
