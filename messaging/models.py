"""The outbox: every message to a customer is a row written before anything is sent, and the
per-shop settings its delivery follows."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.tenancy.models import ShopOwnedModel, TenantForeignKey, shop_key_without_index
from customers.models import Customer


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class Purpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    CARE = "care", _("Care")
    SERVICE = "service", _("Service")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")
    UNKNOWN = "unknown", _("Unknown")


class Message(ShopOwnedModel):
    """One message for one occasion: (shop, rule, customer, occasion, channel) is unique, so the
    same occasion never produces a second message however often its cause is replayed."""

    shop = shop_key_without_index()
    customer = TenantForeignKey(
        Customer, on_delete=models.CASCADE, related_name="messages", verbose_name=_("customer"), db_index=False
    )
    rule = models.CharField(_("rule"), max_length=64)
    occasion = models.CharField(_("occasion"), max_length=100)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    is_segment_driven = models.BooleanField(_("segment driven"), default=False)
    # Templates per language and the variables they are rendered with at send time.
    subject = models.JSONField(_("subject"), default=dict, blank=True)
    body = models.JSONField(_("body"))
    variables = models.JSONField(_("variables"), default=dict, blank=True)
    link_url = models.URLField(_("link"), max_length=500, blank=True)
    short_code = models.CharField(_("short code"), max_length=40, blank=True)
    clicks = models.PositiveIntegerField(_("clicks"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # Set, and committed, just before the provider call: a claim abandoned without it was
    # never handed over and goes back to the queue; one with it may have reached the customer.
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # What went out, kept for the timeline and the privacy export; blanked by erasure.
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    rendered_subject = models.CharField(_("sent subject"), max_length=300, blank=True)
    rendered_body = models.TextField(_("sent text"), blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "rule", "customer", "occasion", "channel"], name="message_occasion_uniq"
            ),
            models.UniqueConstraint(
                fields=["shop", "short_code"], condition=~Q(short_code=""), name="message_short_code_uniq"
            ),
        ]
        indexes = [
            # The dispatcher's question: what is queued and due, oldest first.
            models.Index(
                fields=["shop", "send_after"], condition=Q(status="queued"), name="message_due_idx"
            ),
            models.Index(
                fields=["shop", "claimed_at"], condition=Q(status="sending"), name="message_sending_idx"
            ),
            models.Index(fields=["shop", "customer", "-created_at"], name="message_customer_time_idx"),
            models.Index(fields=["shop", "-created_at"], name="message_shop_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule}/{self.occasion} {self.channel} {self.status}"


class MessagingSettings(ShopOwnedModel):
    """How a shop's messages go out; a shop without a row uses the defaults below."""

    shop = shop_key_without_index()
    sms_signature = models.CharField(_("SMS signature"), max_length=20, blank=True)
    send_window_start = models.TimeField(_("marketing SMS from"), default=datetime.time(8, 0))
    send_window_end = models.TimeField(_("marketing SMS until"), default=datetime.time(22, 0))
    email_cap_hours = models.PositiveSmallIntegerField(_("hours between marketing emails"), default=16)
    sms_cap_hours = models.PositiveSmallIntegerField(_("hours between marketing SMS"), default=24)
    order_url_template = models.CharField(_("order page URL"), max_length=300, blank=True)
    coupon_url_template = models.CharField(_("coupon page URL"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("messaging settings")
        verbose_name_plural = _("messaging settings")
        constraints = [models.UniqueConstraint(fields=["shop"], name="messaging_settings_shop_uniq")]

    def __str__(self) -> str:
        return str(self.sms_signature)
