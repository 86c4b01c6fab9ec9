from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        self._coupons_ready()

    @staticmethod
    def _coupons_ready() -> None:
        # Coupons: issue jobs to the job sweeper; coupon release on order cancel and refund.
        from campaigns.models import CouponIssueJob
        from campaigns.services.redemption import coupons_on_order_changes
        from campaigns.tasks import coupon_issue_task
        from crm.platform.jobs import JobKind, job_kind_register
        from orders.events import order_change_handler_register

        job_kind_register(JobKind(model=CouponIssueJob, task=coupon_issue_task))
        order_change_handler_register("coupon_release", coupons_on_order_changes)
