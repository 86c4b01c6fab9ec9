from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        # What loyalty adds below it (orders and customers never import loyalty): points and
        # growth from order changes, the merge of two customers' accounts, the loyalty
        # section of the customer 360 page and API, the points in a privacy export, the demo
        # shop's program.
        from crm.platform.demo import demo_seeder_register
        from customers.registry import (
            OverviewSection,
            export_part_register,
            merge_handler_register,
            overview_section_register,
        )
        from loyalty.api.serializers import customer_loyalty_export, customer_loyalty_section_json
        from loyalty.demo import demo_loyalty_seed
        from loyalty.selectors import customer_loyalty_for_page
        from loyalty.services import loyalty_merge, order_changes_apply
        from orders.events import order_change_handler_register

        order_change_handler_register("loyalty", order_changes_apply)
        for model_label in ("loyalty.ledgerentry", "loyalty.loyaltyaccount", "loyalty.tierchange"):
            merge_handler_register(model_label, loyalty_merge)
        overview_section_register(
            OverviewSection(
                name="loyalty",
                read=customer_loyalty_for_page,
                template="loyalty/_customer_loyalty.html",
                to_json=customer_loyalty_section_json,
            )
        )
        export_part_register("loyalty", customer_loyalty_export)
        demo_seeder_register("loyalty", demo_loyalty_seed)
