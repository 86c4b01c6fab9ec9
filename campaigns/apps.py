from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        self._care_ready()

    @staticmethod
    def _care_ready() -> None:
        # Care rules: order-stage care from the order-change events, and the demo shop's rules.
        from campaigns.care_demo import demo_care_seed
        from campaigns.services.care_messages import care_order_changes_handle
        from crm.platform.demo import demo_seeder_register
        from orders.events import order_change_handler_register

        order_change_handler_register("care_order_stage", care_order_changes_handle)
        demo_seeder_register("campaigns.care", demo_care_seed)
