from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        # What loyalty adds below it (orders and customers never import loyalty): points and
        # growth from order changes, the merge of two customers' accounts.
        from customers.registry import merge_handler_register
        from loyalty.services import loyalty_merge, order_changes_apply
        from orders.events import order_change_handler_register

        order_change_handler_register("loyalty", order_changes_apply)
        for model_label in ("loyalty.ledgerentry", "loyalty.loyaltyaccount", "loyalty.tierchange"):
            merge_handler_register(model_label, loyalty_merge)
