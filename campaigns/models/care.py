"""Care rules: per shop and kind, whether and how an automated care message goes out.

Data and constraints only; writes go through campaigns/services/care_rules.py. A shop has at
most one rule per kind; a kind without a row behaves as its default (off). The messages the
rules produce live in messaging's outbox, keyed by rule and occasion.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.tenancy.models import ShopOwnedModel


class CareKind(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday")
    ORDER_PAID = "order_paid", pgettext_lazy("care", "Order paid")
    ORDER_SHIPPED = "order_shipped", pgettext_lazy("care", "Order shipped")
    ORDER_DELIVERED = "order_delivered", pgettext_lazy("care", "Order delivered")
    AFTER_DELIVERY = "after_delivery", _("Days after delivery")
    WIN_BACK = "win_back", pgettext_lazy("care", "Win-back")
    FIRST_PURCHASE_REACTIVATION = "first_purchase_reactivation", _("First-purchase reactivation")
    RECURRING_GIFT = "recurring_gift", _("Recurring-gift reminder")
    VALUABLE_AT_RISK = "valuable_at_risk", _("Valuable customer at risk")
    POINTS_EXPIRING = "points_expiring", _("Points about to expire")
    TIER_UPGRADE = "tier_upgrade", _("Tier upgrade")


class CareRule(ShopOwnedModel):
    """One kind of care message of one shop. `days` is the kind's timing (days before the
    birthday or the gift date, after delivery or the only purchase, without an order);
    `gap_multiple` (win-back) the multiple of the customer's own interval between orders;
    `segments` (valuable at risk) the RFM segment keys counted as valuable."""

    kind = models.CharField(_("kind"), max_length=40, choices=CareKind.choices)
    is_enabled = models.BooleanField(pgettext_lazy("care", "enabled"), default=False)
    channels = models.JSONField(pgettext_lazy("care", "channels"), default=list)
    days = models.PositiveSmallIntegerField(pgettext_lazy("care", "days"), default=0)
    gap_multiple = models.DecimalField(_("multiple of own interval"), max_digits=4, decimal_places=1, null=True,
                                       blank=True)  # fmt: skip
    segments = models.JSONField(_("valuable segments"), default=list, blank=True)
    subject = models.JSONField(_("email subject"), default=dict)
    body = models.JSONField(_("message text"), default=dict)
    # The coupon campaign whose code the message carries, once coupon campaigns exist.
    coupon_campaign_id = models.PositiveBigIntegerField(pgettext_lazy("care", "coupon campaign"), null=True, blank=True)
    # The shop's local day the rule's customers were last looked for: scans run once a day.
    scanned_on = models.DateField(_("last scanned on"), null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("updated by"),
    )  # fmt: skip
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("care rule")
        verbose_name_plural = _("care rules")
        constraints = [models.UniqueConstraint(fields=["shop", "kind"], name="care_rule_shop_kind_uniq")]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def rule_name(self) -> str:
        """The rule's name on its messages in the outbox."""
        return f"care.{self.kind}"
