"""The shop's service calendar, its SLA policy per severity, and the SLA notices (warnings
before a breach, escalations at it). Data and constraints only; writes go through
tickets/services/sla.py and tickets/services/breaches.py."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.tenancy.models import ShopOwnedModel, TenantForeignKey, shop_key_without_index

# severity -> (first reply, next reply, resolution, warning) in minutes, business hours
DEFAULT_SLA = {1: (30, 60, 480, 10), 2: (60, 240, 1440, 30), 3: (240, 480, 2880, 60), 4: (480, 1440, 4320, 120)}
SEVERITIES = (1, 2, 3, 4)


class ServiceCalendar(ShopOwnedModel):
    """When the shop's service team works, in the shop's timezone: periods per weekday
    ({"mon": [["09:00", "12:00"], ...]}; none on any day means around the clock), holidays,
    and make-up workdays with their hours. Missing row = around the clock."""

    shop = shop_key_without_index()

    weekly = models.JSONField(_("weekly hours"), default=dict)
    holidays = models.JSONField(_("holidays"), default=list)
    workdays = models.JSONField(_("make-up workdays"), default=list)
    workday_periods = models.JSONField(_("hours of a make-up workday"), default=list)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("service calendar")
        verbose_name_plural = _("service calendars")
        constraints = [models.UniqueConstraint(fields=["shop"], name="service_calendar_shop_uniq")]


class SlaPolicy(ShopOwnedModel):
    """The targets for one severity. Missing rows take DEFAULT_SLA."""

    shop = shop_key_without_index()

    severity = models.PositiveSmallIntegerField(_("severity"))
    first_reply_minutes = models.PositiveIntegerField(_("first reply within (minutes)"))
    next_reply_minutes = models.PositiveIntegerField(_("next reply within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    business_hours = models.BooleanField(_("count business hours only"), default=True)
    warning_minutes = models.PositiveIntegerField(_("warn the assignee (minutes before)"))

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["shop", "severity"], name="sla_policy_shop_severity_uniq"),
            models.CheckConstraint(condition=models.Q(severity__gte=1, severity__lte=4), name="sla_policy_severity"),
        ]


class SlaTarget(models.TextChoices):
    FIRST_REPLY = "first_reply", _("First reply")
    NEXT_REPLY = "next_reply", _("Next reply")
    RESOLUTION = "resolution", _("Resolution")


class NoticeKind(models.TextChoices):
    WARNING = "warning", _("Breach warning")
    BREACH = "breach", _("SLA breached")


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending (outcome unknown if it stays)")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    NONE = "none", _("No recipient")


class SlaNotice(ShopOwnedModel):
    """One warning or escalation about one due time of a ticket. The unique key makes it
    exactly once however many scanners run; a due time that moves (a new customer message,
    a reopen) is a new target and gets its own notices."""

    shop = shop_key_without_index()

    ticket = TenantForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="sla_notices", verbose_name=_("ticket")
    )
    target = models.CharField(_("target"), max_length=12, choices=SlaTarget.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    due_at = models.DateTimeField(_("due at"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recipient"),
    )  # the assignee warned; escalations go to every manager
    email_status = models.CharField(_("email"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_error = models.CharField(_("email error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("SLA notice")
        verbose_name_plural = _("SLA notices")
        constraints = [
            models.UniqueConstraint(fields=["shop", "ticket", "target", "kind", "due_at"], name="sla_notice_once_uniq"),
        ]
        indexes = [
            models.Index(fields=["shop", "email_status"], name="sla_notice_email_idx"),
            models.Index(fields=["shop", "-created_at"], name="sla_notice_recent_idx"),
        ]
