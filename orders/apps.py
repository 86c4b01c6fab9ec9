from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # What orders adds to customers (which never imports orders): the orders section of
        # the 360 page and API, the orders in a privacy export, the personal fields an
        # erasure blanks, and the demo shop's orders;
        # its import jobs to the job sweeper; and the shop overview's KPIs, recent orders and failed imports.
        from crm.platform.demo import demo_seeder_register
        from crm.platform.jobs import JobKind, job_kind_register
        from crm.platform.overview import OverviewPanel, attention_source_register, overview_panel_register
        from customers.registry import (
            OverviewSection,
            erasure_part_register,
            export_part_register,
            overview_section_register,
        )
        from customers.stats import order_totals_reader_register
        from orders.api.serializers import OrderSerializer
        from orders.customer_handlers import customer_region_on_order_changes, customer_stats_on_order_changes
        from orders.demo import demo_seed
        from orders.events import order_change_handler_register
        from orders.models import ImportJob
        from orders.overview import overview_failed_imports, overview_kpis, overview_recent_orders
        from orders.purchases import customer_order_totals
        from orders.selectors import customer_orders_section, orders_for_customer_export
        from orders.services import order_personal_data_erase
        from orders.services.imports import import_job_cleanup
        from orders.tasks import order_import_task

        overview_section_register(
            OverviewSection(
                name="orders",
                read=customer_orders_section,
                template="orders/_customer_orders.html",
                to_json=lambda section: OrderSerializer(section["orders"], many=True).data,
            )
        )
        export_part_register("orders", orders_for_customer_export)
        erasure_part_register("orders", order_personal_data_erase)
        demo_seeder_register("orders", demo_seed)
        job_kind_register(JobKind(model=ImportJob, task=order_import_task, on_failed=import_job_cleanup))
        order_totals_reader_register(customer_order_totals)
        order_change_handler_register("customer_stats", customer_stats_on_order_changes)
        order_change_handler_register("customer_region", customer_region_on_order_changes)
        overview_panel_register(OverviewPanel("kpis", overview_kpis, "orders/_overview_kpis.html", 10, wide=True))
        overview_panel_register(
            OverviewPanel("recent_orders", overview_recent_orders, "orders/_overview_recent.html", 30)
        )
        attention_source_register(overview_failed_imports)
