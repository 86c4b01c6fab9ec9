"""Coupon campaigns, the coupons they hand out, and their redemptions.

A `Coupon` is one customer's place in one campaign: the frozen audience snapshot written at
launch (targeted rows carry a code when the campaign has unique codes; held-out rows never
do), a coupon given directly (`coupon_issue_to_customer`), or the row a shared code's first
use by a customer creates. Its `used_count` is the per-customer counter; the campaign's
`used_count` and `spent` are the usage-limit and budget counters. Both are changed only by
conditional UPDATEs in campaigns/services/redemption.py.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.platform.jobs import DurableJob, JobStatus
from crm.platform.money import MONEY
from crm.tenancy.models import ShopOwnedModel, TenantForeignKey


class DiscountType(models.TextChoices):
    FIXED = "fixed", _("Fixed amount")
    PERCENT = "percent", _("Percent")
    FREE_SHIPPING = "free_shipping", _("Free shipping")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LAUNCHING = "launching", _("Launching")
    RUNNING = "running", _("Running")
    ENDED = "ended", _("Ended")


class MessageChannel(models.TextChoices):
    NONE = "", _("No message")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class Campaign(ShopOwnedModel):
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    discount_type = models.CharField(_("discount type"), max_length=15, choices=DiscountType.choices)
    discount_amount = models.DecimalField(_("discount amount"), null=True, blank=True, **MONEY)
    discount_percent = models.PositiveSmallIntegerField(_("discount percent"), null=True, blank=True)
    discount_cap = models.DecimalField(_("discount cap"), null=True, blank=True, **MONEY)
    min_spend = models.DecimalField(_("minimum spend"), default=Decimal("0"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    valid_days = models.PositiveIntegerField(_("valid days after issue"), null=True, blank=True)
    per_customer_limit = models.PositiveIntegerField(_("uses per customer"), default=1)
    usage_limit = models.PositiveIntegerField(_("total uses"), null=True, blank=True)
    budget = models.DecimalField(_("budget"), null=True, blank=True, **MONEY)
    # Counters of the uses that hold (released uses are given back), for the limit and budget.
    used_count = models.PositiveIntegerField(_("uses"), default=0, editable=False)
    spent = models.DecimalField(_("discount given"), default=Decimal("0"), editable=False, **MONEY)
    shared_code = models.CharField(_("shared code"), max_length=32, blank=True)
    audience = models.JSONField(_("audience"), default=dict, blank=True)
    holdout_percent = models.PositiveSmallIntegerField(_("holdout (%)"), default=10)
    message_channel = models.CharField(
        _("message channel"), max_length=10, choices=MessageChannel.choices, blank=True, default=MessageChannel.NONE
    )
    message_subject = models.CharField(_("message subject"), max_length=200, blank=True)
    message_body = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    # When the audience snapshot was taken: the day the results compare from.
    audience_frozen_at = models.DateTimeField(_("audience frozen at"), null=True, blank=True)

    class Meta:
        verbose_name = _("coupon campaign")
        verbose_name_plural = _("coupon campaigns")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "shared_code"], condition=~Q(shared_code=""), name="campaign_shop_shared_code_uniq"
            ),
        ]
        indexes = [models.Index(fields=["shop", "-created_at"], name="campaign_shop_created_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def has_unique_codes(self) -> bool:
        return not self.shared_code


class CouponSource(models.TextChoices):
    AUDIENCE = "audience", _("Campaign audience")
    DIRECT = "direct", _("Given directly")
    SHARED_CODE = "shared_code", _("Used the shared code")


class Coupon(ShopOwnedModel):
    campaign = TenantForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="coupons", db_index=False, verbose_name=_("campaign")
    )
    customer = TenantForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("customer")
    )
    # A unique, unguessable code; empty (NULL) for shared-code campaigns and held-out rows.
    code = models.CharField(_("code"), max_length=32, null=True, blank=True)
    is_holdout = models.BooleanField(_("held out"), default=False)
    source = models.CharField(_("source"), max_length=12, choices=CouponSource.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # A coupon's own fixed amount (price-protection payouts), instead of the campaign's discount.
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    used_count = models.PositiveIntegerField(_("uses"), default=0, editable=False)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            # One coupon per customer and campaign; coupons with their own amount (price
            # protection pays each claim with one) are exempt.
            models.UniqueConstraint(
                fields=["shop", "campaign", "customer"],
                condition=Q(amount__isnull=True),
                name="coupon_campaign_customer_uniq",
            ),
            models.UniqueConstraint(fields=["shop", "code"], name="coupon_shop_code_uniq"),
        ]
        indexes = [models.Index(fields=["shop", "customer", "-issued_at"], name="coupon_shop_customer_idx")]

    def __str__(self) -> str:
        return self.code or f"{self.campaign_id}:{self.customer_id}"


class RedemptionStatus(models.TextChoices):
    ACTIVE = "active", _("Used")
    RELEASED = "released", _("Released")


class Redemption(ShopOwnedModel):
    campaign = TenantForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="redemptions", db_index=False, verbose_name=_("campaign")
    )
    coupon = TenantForeignKey(
        Coupon, on_delete=models.CASCADE, related_name="redemptions", db_index=False, verbose_name=_("coupon")
    )
    customer = TenantForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("customer")
    )
    code = models.CharField(_("code"), max_length=32)
    order_external_id = models.CharField(_("order id"), max_length=128)
    order_total = models.DecimalField(_("order total"), **MONEY)
    discount = models.DecimalField(_("discount"), **MONEY)
    status = models.CharField(
        _("status"), max_length=10, choices=RedemptionStatus.choices, default=RedemptionStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("redeemed at"), default=timezone.now)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        constraints = [
            models.UniqueConstraint(fields=["shop", "code", "order_external_id"], name="redemption_code_order_uniq"),
        ]
        indexes = [
            models.Index(fields=["shop", "campaign", "status"], name="redemption_campaign_idx"),
            models.Index(fields=["shop", "order_external_id"], name="redemption_order_idx"),
        ]


class CouponIssueJob(ShopOwnedModel, DurableJob):
    """Freezing a campaign's audience and issuing its coupons (a durable job: crm/platform/jobs.py)."""

    campaign = TenantForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="issue_jobs", db_index=False, verbose_name=_("campaign")
    )
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    targeted = models.PositiveIntegerField(_("targeted"), default=0)
    held_out = models.PositiveIntegerField(_("held out"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("coupon issue job")
        verbose_name_plural = _("coupon issue jobs")
        indexes = [models.Index(fields=["shop", "campaign"], name="coupon_issue_job_campaign_idx")]

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
