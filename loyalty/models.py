"""Loyalty: the program's settings, tier rules by effective date, the points ledger, and
one account row per customer (the lock target and cached tier, never the balance).

Data and constraints only; writes go through loyalty/services/. The balance is the sum of
`LedgerEntry.points`; `remaining` records how much of each entry is still unspent (a
positive lot) or unpaid (a debt), so that sum(points) == sum(remaining) always holds.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.platform.money import MONEY
from crm.tenancy.models import ShopOwnedModel, TenantForeignKey

DEFAULT_TIERS = (
    # (name, growth threshold): a shop edits them; 注册会员 is every customer's first tier.
    ("注册会员", 0),
    ("铜牌", 500),
    ("银牌", 2000),
    ("金牌", 8000),
    ("钻石", 20000),
)


class GrowthPeriod(models.TextChoices):
    LIFETIME = "lifetime", _("Lifetime")
    ROLLING_12_MONTHS = "rolling_12_months", _("Rolling 12 months")


class LoyaltyProgram(ShopOwnedModel):
    """One per shop; absent or disabled means no points and no growth are recorded."""

    is_enabled = models.BooleanField(_("enabled"), default=False)
    points_per_unit = models.DecimalField(
        _("points per currency unit"), max_digits=8, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    growth_per_unit = models.DecimalField(
        _("growth per currency unit"), max_digits=8, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    return_window_days = models.PositiveSmallIntegerField(
        _("return window (days)"), default=7, validators=[MaxValueValidator(365)]
    )
    # 0: points never expire.
    points_expiry_months = models.PositiveSmallIntegerField(
        _("points expire after (months)"), default=12, validators=[MaxValueValidator(120)]
    )
    expiry_reminder_days = models.PositiveSmallIntegerField(
        _("expiry reminder (days before)"), default=30, validators=[MaxValueValidator(365)]
    )
    growth_period = models.CharField(
        _("growth counted over"), max_length=20, choices=GrowthPeriod.choices, default=GrowthPeriod.LIFETIME
    )
    yearly_decay_percent = models.PositiveSmallIntegerField(
        _("yearly growth decay (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    point_value = models.DecimalField(
        _("value of one point"), default=Decimal("0.01"), validators=[MinValueValidator(0)], **MONEY
    )
    last_decay_year = models.PositiveSmallIntegerField(_("last decay year"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("loyalty program")
        verbose_name_plural = _("loyalty programs")
        constraints = [models.UniqueConstraint(fields=["shop"], name="loyalty_program_shop_uniq")]


class TierRuleVersion(ShopOwnedModel):
    """A set of tiers that applies from `effective_from` (a date in the shop's timezone)
    until the next version's date."""

    effective_from = models.DateField(_("effective from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("tier rules")
        verbose_name_plural = _("tier rules")
        constraints = [models.UniqueConstraint(fields=["shop", "effective_from"], name="loyalty_rules_shop_date_uniq")]


class Tier(ShopOwnedModel):
    rule_version = TenantForeignKey(
        TierRuleVersion, on_delete=models.CASCADE, related_name="tiers", db_index=False, verbose_name=_("tier rules")
    )
    name = models.CharField(_("name"), max_length=50)
    threshold = models.PositiveIntegerField(_("growth threshold"))
    points_multiplier = models.DecimalField(
        _("points multiplier"), max_digits=4, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    free_shipping = models.BooleanField(_("free shipping"), default=False)
    priority_service = models.BooleanField(_("priority service"), default=False)
    # A campaigns coupon campaign (campaigns sits above loyalty, so no foreign key).
    coupon_campaign_id = models.PositiveBigIntegerField(_("coupon campaign"), null=True, blank=True)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["threshold"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "rule_version", "name"], name="loyalty_tier_name_uniq"),
            models.UniqueConstraint(fields=["shop", "rule_version", "threshold"], name="loyalty_tier_threshold_uniq"),
        ]

    def __str__(self) -> str:
        return self.name


class LoyaltyAccount(ShopOwnedModel):
    """The row a balance change locks, and the cached tier and growth value (recomputed on
    every change and nightly). Points are never stored here."""

    customer = TenantForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False,
        verbose_name=_("customer"),
    )  # fmt: skip
    tier_name = models.CharField(_("tier"), max_length=50, blank=True)
    growth_value = models.BigIntegerField(_("growth value"), default=0)
    tier_changed_at = models.DateTimeField(_("tier changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("loyalty account")
        verbose_name_plural = _("loyalty accounts")
        constraints = [models.UniqueConstraint(fields=["shop", "customer"], name="loyalty_account_customer_uniq")]
        indexes = [models.Index(fields=["shop", "tier_name"], name="loyalty_account_tier_idx")]


class TierChange(ShopOwnedModel):
    customer = TenantForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False,
        verbose_name=_("customer"),
    )  # fmt: skip
    old_tier = models.CharField(_("old tier"), max_length=50, blank=True)
    new_tier = models.CharField(_("new tier"), max_length=50, blank=True)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        indexes = [
            models.Index(fields=["shop", "changed_at"], name="loyalty_tier_change_time_idx"),
            models.Index(fields=["shop", "customer"], name="loyalty_tier_change_cust_idx"),
        ]


class EntryKind(models.TextChoices):
    EARN = "earn", _("Earned")
    REDEEM = "redeem", _("Redeemed")
    EXPIRE = "expire", _("Expired")
    CLAWBACK = "clawback", _("Refund clawback")
    RETURN = "return", _("Returned from refund")
    ADJUST = "adjust", _("Staff adjustment")
    DECAY = "decay", _("Yearly growth decay")
    MERGE = "merge", _("Merged account")


class LedgerEntry(ShopOwnedModel):
    """One change of a customer's points (and growth value), never edited afterwards except
    for `remaining` (what is left of a lot or a debt) and `is_pending` (cleared once, by
    the settle)."""

    customer = TenantForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False,
        verbose_name=_("customer"),
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    points = models.BigIntegerField(_("points"))
    growth = models.BigIntegerField(_("growth value"), default=0)
    remaining = models.BigIntegerField(_("remaining"), default=0)
    is_pending = models.BooleanField(_("pending"), default=False)
    order = TenantForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False,
        verbose_name=_("order"),
    )  # fmt: skip
    order_external_id = models.CharField(_("order id"), max_length=128, blank=True)
    rule = models.CharField(_("rule"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("staff member"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    available_at = models.DateTimeField(_("available at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [
            # One earn per order and one redemption per order, whatever replays or races.
            models.UniqueConstraint(fields=["shop", "order"], condition=Q(kind="earn"), name="loyalty_entry_earn_once"),
            models.UniqueConstraint(
                fields=["shop", "order_external_id"], condition=Q(kind="redeem"), name="loyalty_entry_redeem_once"
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "customer", "created_at"], name="loyalty_entry_customer_idx"),
            models.Index(fields=["shop", "order"], name="loyalty_entry_order_idx"),
            models.Index(
                fields=["shop", "available_at"], condition=Q(is_pending=True), name="loyalty_entry_pending_idx"
            ),
            models.Index(
                fields=["shop", "expires_at"], condition=Q(remaining__gt=0), name="loyalty_entry_open_lot_idx"
            ),
        ]
