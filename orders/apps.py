from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        # What orders adds to customers (which never imports orders): the orders section of
        # the 360 page and API, the orders in a privacy export, the personal fields an
        # erasure blanks, and the demo shop's orders; and its import jobs to the job sweeper.
        from crm.demo import demo_seeder_register
        from crm.jobs import JobKind, job_kind_register
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
        from orders.purchases import customer_order_totals
        from orders.selectors import order_list_for_customer, orders_for_customer_export
        from orders.services import order_personal_data_erase
        from orders.services.imports import import_job_cleanup
        from orders.tasks import order_import_task

        overview_section_register(
            OverviewSection(
                name="orders",
                read=lambda *, shop, customer: order_list_for_customer(shop=shop, customer_id=customer.pk),
                template="orders/_customer_orders.html",
                to_json=lambda orders: OrderSerializer(orders, many=True).data,
            )
        )
        export_part_register("orders", orders_for_customer_export)
        erasure_part_register("orders", order_personal_data_erase)
        demo_seeder_register("orders", demo_seed)
        job_kind_register(JobKind(model=ImportJob, task=order_import_task, on_failed=import_job_cleanup))
        order_totals_reader_register(customer_order_totals)
        order_change_handler_register("customer_stats", customer_stats_on_order_changes)
        order_change_handler_register("customer_region", customer_region_on_order_changes)
