from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from crm.jobs import JobKind, job_kind_register
        from customers.stats import order_totals_reader_register
        from orders.customer_handlers import customer_region_on_order_changes, customer_stats_on_order_changes
        from orders.events import order_change_handler_register
        from orders.models import ImportJob
        from orders.purchases import customer_order_totals
        from orders.services.imports import import_job_cleanup
        from orders.tasks import order_import_task

        job_kind_register(JobKind(model=ImportJob, task=order_import_task, on_failed=import_job_cleanup))
        order_totals_reader_register(customer_order_totals)
        order_change_handler_register("customer_stats", customer_stats_on_order_changes)
        order_change_handler_register("customer_region", customer_region_on_order_changes)
