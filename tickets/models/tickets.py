"""Complaint tickets: categories, the ticket itself, its conversation and attachments, macros,
compensation, satisfaction surveys, agents' availability and the shop's service settings.

Data and constraints only; writes go through tickets/services/.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, F, When
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.platform.money import MONEY
from crm.tenancy.models import ShopOwnedModel, TenantForeignKey, shop_key_without_index

USER = settings.AUTH_USER_MODEL


class TicketChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Online chat")
    EMAIL = "email", _("Email")
    FORM = "form", _("Storefront form")
    MARKETPLACE = "marketplace", _("Marketplace")
    SOCIAL = "social", _("Social media")


class RequestKind(models.TextChoices):
    NONE = "", _("Not stated")
    REFUND = "refund", _("Refund")
    EXCHANGE = "exchange", _("Exchange")
    APOLOGY = "apology", _("Apology")
    COMPENSATION = "compensation", _("Compensation")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")

    @classmethod
    def active(cls) -> tuple[str, ...]:
        """Statuses of a ticket someone still has to work on (an agent's load, open complaints)."""
        return (cls.NEW, cls.OPEN, cls.WAITING)


# The categories every shop starts with (code, label); a shop renames, adds and retires its own.
DEFAULT_CATEGORIES = (
    ("quality", _("Product quality")),
    ("delivery", _("Delivery")),
    ("attitude", _("Service attitude")),
    ("price", _("Price / price protection")),
    ("return", _("Return / refund")),
    ("other", _("Other")),
)


class TicketCategory(ShopOwnedModel):
    """A shop's complaint category. The defaults carry a `code` and are named by translation;
    a shop's own categories carry a `name`."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        constraints = [models.UniqueConstraint(fields=["shop", "code"], name="ticket_category_shop_code_uniq")]

    def __str__(self) -> str:
        return self.name or str(dict(DEFAULT_CATEGORIES).get(self.code, self.code))


class Ticket(ShopOwnedModel):
    """One complaint. `opened_at` is when the customer complained (an imported marketplace
    complaint keeps its own time); the SLA clocks start there. The due times are set by
    tickets/services/sla.py; `due_at` is the earliest one still running (none while waiting
    on the customer or once resolved), for the queue."""

    shop = shop_key_without_index()
    number = models.PositiveIntegerField(_("number"))
    customer = TenantForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("customer")
    )
    order = TenantForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets",
        verbose_name=_("order"),
    )  # fmt: skip
    channel = models.CharField(_("channel"), max_length=20, choices=TicketChannel.choices)
    category = TenantForeignKey(
        TicketCategory, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("category")
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    request_kind = models.CharField(_("customer's request"), max_length=20, choices=RequestKind.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW)
    severity = models.PositiveSmallIntegerField(_("severity"), default=3)
    severity_reasons = models.JSONField(_("severity reasons"), default=list, blank=True)
    severity_set_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("severity set by")
    )
    severity_reason = models.CharField(_("reason for the severity"), max_length=300, blank=True)
    assignee = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("assignee")
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    first_reply_due_at = models.DateTimeField(_("first reply due"), null=True, blank=True)
    next_reply_due_at = models.DateTimeField(_("next reply due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_replied_at = models.DateTimeField(_("first replied at"), null=True, blank=True)
    last_public_reply_at = models.DateTimeField(_("last reply at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    sla_paused_at = models.DateTimeField(_("SLA paused at"), null=True, blank=True)
    sla_paused_minutes = models.PositiveIntegerField(_("SLA paused minutes"), default=0)
    # The earliest running due time, kept by the database: the queue sorts and pages on it.
    due_at = models.GeneratedField(
        expression=Case(
            When(
                models.Q(sla_paused_at__isnull=True, status__in=["new", "open"]),
                then=Least(
                    Case(When(first_replied_at__isnull=True, then=F("first_reply_due_at"))),
                    F("next_reply_due_at"),
                    F("resolution_due_at"),
                ),
            )
        ),
        output_field=models.DateTimeField(),
        db_persist=True,
        verbose_name=_("due at"),
    )
    resolution_count = models.PositiveSmallIntegerField(_("times resolved"), default=0)
    follow_up_due_at = models.DateTimeField(_("follow-up due"), null=True, blank=True)
    handover_note = models.TextField(_("handover note"), blank=True)
    handover_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("handover by")
    )
    handover_at = models.DateTimeField(_("handover at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="ticket_shop_number_uniq"),
            models.CheckConstraint(condition=models.Q(severity__gte=1, severity__lte=4), name="ticket_severity_range"),
        ]
        indexes = [
            models.Index(fields=["shop", "status", "due_at", "id"], name="ticket_status_due_idx"),
            models.Index(fields=["shop", "assignee", "status"], name="ticket_assignee_status_idx"),
            models.Index(fields=["shop", "customer", "-opened_at"], name="ticket_customer_idx"),
            models.Index(fields=["shop", "order"], name="ticket_order_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status in TicketStatus.active()


class MessageKind(models.TextChoices):
    REPLY = "reply", _("Reply to the customer")
    NOTE = "note", _("Internal note")
    CUSTOMER = "customer", _("Customer message")


class TicketMessage(ShopOwnedModel):
    """The conversation: the customer's messages, public replies (sent through messaging)
    and internal notes that only staff see."""

    ticket = TenantForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket"))
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        indexes = [models.Index(fields=["shop", "ticket", "created_at"], name="ticket_message_ticket_idx")]

    @property
    def is_public(self) -> bool:
        return self.kind != MessageKind.NOTE


class TicketAttachment(ShopOwnedModel):
    """A file the customer or an agent attached, stored in the shop's own folder and served
    only through a view that checks the shop."""

    ticket = TenantForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("ticket"))
    file_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    storage_path = models.CharField(_("stored file"), max_length=500, editable=False)
    uploaded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket attachment")
        verbose_name_plural = _("ticket attachments")
        indexes = [models.Index(fields=["shop", "ticket"], name="ticket_attachment_ticket_idx")]


class CompensationKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    COUPON = "coupon", _("Coupon")
    POINTS = "points", _("Points")
    REPLACEMENT = "replacement", _("Replacement")
    APOLOGY = "apology", _("Apology")


class Macro(ShopOwnedModel):
    """A canned reply with variables ({customer_name}, {order_number}, {amount}) that may also
    set the ticket's status or category and propose a compensation."""

    name = models.CharField(_("name"), max_length=100)
    body = models.TextField(_("text"))
    set_status = models.CharField(_("set status"), max_length=10, choices=TicketStatus.choices, blank=True)
    set_category = TenantForeignKey(
        TicketCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("set category"),
    )  # fmt: skip
    compensation_kind = models.CharField(
        _("proposed compensation"), max_length=20, choices=CompensationKind.choices, blank=True
    )
    compensation_amount = models.DecimalField(_("proposed amount"), **MONEY, default=Decimal("0"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        constraints = [models.UniqueConstraint(fields=["shop", "name"], name="ticket_macro_shop_name_uniq")]

    def __str__(self) -> str:
        return self.name


class CompensationStatus(models.TextChoices):
    PENDING_APPROVAL = "pending", _("Awaiting approval")
    APPLIED = "applied", _("Applied")
    REJECTED = "rejected", _("Rejected")


class Compensation(ShopOwnedModel):
    """What the shop gives the customer to make up for the problem: an amount (refund,
    replacement, a coupon's value), or points. Above the shop's approval thresholds a manager
    approves it before it takes effect. It never depends on the customer changing a review."""

    ticket = TenantForeignKey(Ticket, on_delete=models.CASCADE, related_name="compensations", verbose_name=_("ticket"))
    kind = models.CharField(_("kind"), max_length=20, choices=CompensationKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY, default=Decimal("0"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=CompensationStatus.choices)
    requested_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requested by")
    )
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("decided by")
    )
    refund = TenantForeignKey(
        "orders.Refund", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("refund")
    )
    points = models.PositiveIntegerField(_("points"), default=0)
    campaign = TenantForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("coupon campaign"),
    )  # fmt: skip
    coupon = TenantForeignKey(
        "campaigns.Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("coupon")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("compensation")
        verbose_name_plural = _("compensations")
        indexes = [
            models.Index(fields=["shop", "ticket"], name="ticket_compensation_ticket_idx"),
            models.Index(fields=["shop", "status"], name="ticket_compensation_status_idx"),
        ]


class SurveyStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ANSWERED = "answered", _("Answered")
    CANCELLED = "cancelled", _("Cancelled")


class CsatSurvey(ShopOwnedModel):
    """The satisfaction survey of one resolution of a ticket: handed to messaging once
    `send_after` has passed (`sent_at`; a reopen before then cancels it), answered once
    through a signed link that expires at `expires_at`."""

    ticket = TenantForeignKey(Ticket, on_delete=models.CASCADE, related_name="surveys", verbose_name=_("ticket"))
    resolution = models.PositiveSmallIntegerField(_("resolution"))
    status = models.CharField(_("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.SCHEDULED)
    send_after = models.DateTimeField(_("send after"))
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.UniqueConstraint(fields=["shop", "ticket", "resolution"], name="csat_ticket_resolution_uniq"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5), name="csat_score_range"
            ),
        ]
        indexes = [models.Index(fields=["shop", "send_after"], condition=models.Q(sent_at__isnull=True,
                                status="scheduled"), name="csat_unsent_idx")]  # fmt: skip


class AgentState(ShopOwnedModel):
    """An agent's availability for automatic assignment. The row is also the lock that
    serialises assignments to the agent, so the open-ticket cap holds under races."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("agent"))
    is_available = models.BooleanField(_("available"), default=True)
    last_assigned_at = models.DateTimeField(_("last assigned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent availability")
        verbose_name_plural = _("agent availability")
        constraints = [models.UniqueConstraint(fields=["shop", "user"], name="ticket_agent_shop_user_uniq")]


class TicketSettings(ShopOwnedModel):
    """The shop's ticket settings (one row per shop, created with the defaults when first read)."""

    auto_close_days = models.PositiveSmallIntegerField(_("close resolved tickets after (days)"), default=4)
    approval_threshold = models.DecimalField(_("manager approval above"), **MONEY, default=Decimal("100.00"))
    approval_points = models.PositiveIntegerField(_("manager approval above (points)"), default=1000)
    agent_open_cap = models.PositiveSmallIntegerField(_("open tickets per agent at most"), default=25)
    csat_delay_hours = models.PositiveSmallIntegerField(_("survey after (hours)"), default=24)
    csat_valid_days = models.PositiveSmallIntegerField(_("survey link valid (days)"), default=7)
    follow_up_days = models.PositiveSmallIntegerField(_("follow-up reminder after (days)"), default=7)
    auto_assign_new = models.BooleanField(_("assign new tickets automatically"), default=False)
    # The counter behind ticket numbers, raised under this row's lock.
    last_ticket_number = models.PositiveIntegerField(_("last ticket number"), default=0, editable=False)

    class Meta:
        verbose_name = _("service settings")
        verbose_name_plural = _("service settings")
        constraints = [models.UniqueConstraint(fields=["shop"], name="ticket_settings_shop_uniq")]
