from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from customers.stats import order_totals_reader_register
        from orders.customer_handlers import customer_region_on_order_changes, customer_stats_on_order_changes
        from orders.events import order_change_handler_register
        from orders.purchases import customer_order_totals

        order_totals_reader_register(customer_order_totals)
        order_change_handler_register("customer_stats", customer_stats_on_order_changes)
        order_change_handler_register("customer_region", customer_region_on_order_changes)
