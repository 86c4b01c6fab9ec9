from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        # What orders adds to customers (which never imports orders): the orders section of
        # the 360 page and API, the orders in a privacy export, the personal fields an
        # erasure blanks, and the demo shop's orders.
        from crm.demo import demo_seeder_register
        from customers.registry import (
            OverviewSection,
            erasure_part_register,
            export_part_register,
            overview_section_register,
        )
        from orders.api.serializers import OrderSerializer
        from orders.demo import demo_seed
        from orders.selectors import order_list_for_customer, orders_for_customer_export
        from orders.services import order_personal_data_erase

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
