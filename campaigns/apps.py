from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        self._care_ready()
        self._coupons_ready()

    @staticmethod
    def _care_ready() -> None:
        # Care rules: order-stage care from the order-change events, and the demo shop's rules.
        from campaigns.care_demo import demo_care_seed
        from campaigns.services.care_messages import care_order_changes_handle
        from crm.platform.demo import demo_seeder_register
        from orders.events import order_change_handler_register

        order_change_handler_register("care_order_stage", care_order_changes_handle)
        demo_seeder_register("campaigns.care", demo_care_seed)

    @staticmethod
    def _coupons_ready() -> None:
        # Coupons and price protection: issue jobs to the job sweeper; coupon release on order
        # cancel and refund; the coupons section of the 360 page and API, the coupons in a
        # privacy export and in a merge; the overview's running campaigns; the demo shop's campaign.
        from campaigns.demo import demo_campaign_seed
        from campaigns.models import CouponIssueJob
        from campaigns.selectors.coupons import (
            customer_coupons_json,
            customer_coupons_section,
            overview_campaigns_running,
        )
        from campaigns.services.coupons import coupons_for_customer_export, coupons_merge
        from campaigns.services.redemption import coupons_on_order_changes
        from campaigns.tasks import coupon_issue_task
        from crm.platform.demo import demo_seeder_register
        from crm.platform.jobs import JobKind, job_kind_register
        from crm.platform.overview import OverviewPanel, overview_panel_register
        from customers.registry import (
            OverviewSection,
            export_part_register,
            merge_handler_register,
            overview_section_register,
        )
        from orders.events import order_change_handler_register

        job_kind_register(JobKind(model=CouponIssueJob, task=coupon_issue_task))
        order_change_handler_register("coupon_release", coupons_on_order_changes)
        overview_section_register(
            OverviewSection(
                name="coupons",
                read=customer_coupons_section,
                template="campaigns/_customer_coupons.html",
                to_json=customer_coupons_json,
            )
        )
        export_part_register("coupons", coupons_for_customer_export)
        merge_handler_register("campaigns.coupon", coupons_merge)
        overview_panel_register(
            OverviewPanel("campaigns_running", overview_campaigns_running, "campaigns/_overview_running.html", 40)
        )
        demo_seeder_register("campaigns", demo_campaign_seed)
