"""Price protection (价格保护): reported price changes, the shop's rules, and the claims they
create. A claim is unique per (order, SKU, price report), so a report sent twice creates
nothing new; a later, deeper drop pays only the difference below the lowest price already
claimed for that order line."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.platform.money import MONEY
from crm.tenancy.models import ShopOwnedModel, TenantForeignKey


class PriceReport(ShopOwnedModel):
    sku = models.CharField(_("SKU"), max_length=64)
    price = models.DecimalField(_("price"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    effective_at = models.DateTimeField(_("effective at"))
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        verbose_name = _("price report")
        verbose_name_plural = _("price reports")
        constraints = [
            models.UniqueConstraint(fields=["shop", "sku", "effective_at"], name="price_report_sku_time_uniq"),
        ]


class ClaimMode(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic")
    ON_REQUEST = "on_request", _("When the customer asks")


class ClaimPayout(models.TextChoices):
    REFUND = "refund", _("Refund")
    COUPON = "coupon", _("Coupon")


class PriceProtectionSetting(ShopOwnedModel):
    is_enabled = models.BooleanField(_("enabled"), default=False)
    window_days = models.PositiveSmallIntegerField(
        _("protection window (days)"), default=15, choices=[(7, "7"), (15, "15"), (30, "30")]
    )
    mode = models.CharField(_("claims"), max_length=10, choices=ClaimMode.choices, default=ClaimMode.AUTOMATIC)
    payout = models.CharField(_("paid as"), max_length=10, choices=ClaimPayout.choices, default=ClaimPayout.REFUND)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("price protection setting")
        verbose_name_plural = _("price protection settings")
        constraints = [models.UniqueConstraint(fields=["shop"], name="price_protection_setting_shop_uniq")]


class ClaimStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Not paid")


class PriceClaim(ShopOwnedModel):
    customer = TenantForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("customer")
    )
    order = TenantForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("order")
    )
    report = TenantForeignKey(
        PriceReport, on_delete=models.CASCADE, related_name="claims", db_index=False, verbose_name=_("price report")
    )
    sku = models.CharField(_("SKU"), max_length=64)
    quantity = models.PositiveIntegerField(_("quantity"))
    # The price the claim starts from: the price paid, or the lowest price already claimed.
    price_before = models.DecimalField(_("price before"), **MONEY)
    price_after = models.DecimalField(_("new price"), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    payout = models.CharField(_("paid as"), max_length=10, choices=ClaimPayout.choices)
    status = models.CharField(_("status"), max_length=10, choices=ClaimStatus.choices)
    failure_reason = models.CharField(_("why not paid"), max_length=300, blank=True)
    refund_id = models.BigIntegerField(_("refund"), null=True, blank=True)
    coupon = TenantForeignKey(
        "campaigns.Coupon",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("coupon"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("price protection claim")
        verbose_name_plural = _("price protection claims")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "order", "sku", "report"], name="price_claim_order_sku_report_uniq"
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "order", "sku"], name="price_claim_order_sku_idx"),
            models.Index(fields=["shop", "customer", "-created_at"], name="price_claim_customer_idx"),
        ]
