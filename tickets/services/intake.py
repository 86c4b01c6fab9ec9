"""Opening a ticket: from a staff page, or from a storefront's complaint form through the API
(the customer matched or created by customers' identity resolution, as an order's is)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop, User
from crm.platform.text import text_required
from crm.shops.audit import audit_event_record
from customers.identity import IdentityInvalid, customer_resolve
from customers.models import Customer
from orders.models import Order
from orders.validation import datetime_parse
from tickets.customer_value import customer_value
from tickets.models import RequestKind, Ticket, TicketCategory, TicketChannel, TicketStatus
from tickets.services.assignment import ticket_auto_assign
from tickets.services.settings import ticket_settings_get
from tickets.services.sla import sla_on_open
from tickets.severity import severity_grade

REPEAT_WINDOW = timedelta(days=30)
# The customers app's channel for a customer first seen through a complaint.
CUSTOMER_CHANNELS = {TicketChannel.MARKETPLACE: "marketplace", TicketChannel.PHONE: "phone"}


class TicketInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


class _Errors(dict):
    def add(self, name: str, reason: str) -> None:
        self.setdefault(name, []).append(str(reason))


def _text(raw: dict, name: str, limit: int, errors: _Errors, *, required: bool = False) -> str:
    value = raw.get(name)
    if not isinstance(value, str) and value is not None:
        errors.add(name, _("Must be a string."))
        return ""
    if not (value or "").strip():
        if required:
            errors.add(name, _("This field is required."))
        return ""
    try:
        return text_required(value, max_length=limit)
    except ValueError as reason:
        errors.add(name, str(reason))
        return ""


def _choice(raw: dict, name: str, choices, errors: _Errors, *, default: str | None = None) -> str:
    value = raw.get(name)
    if value in (None, "") and default is not None:
        return default
    if not isinstance(value, str) or value not in choices.values:
        errors.add(name, _("Must be one of: %(choices)s.") % {"choices": ", ".join(v for v in choices.values if v)})
        return default or ""
    return value


def category_find(value) -> TicketCategory | None:
    """An active category of the shop in scope, by its code or its name."""
    if not isinstance(value, str) or not value.strip():
        return None
    categories = TicketCategory.objects.filter(is_active=True)
    return categories.filter(code=value.strip()).first() or categories.filter(name=value.strip()).first()


def _opened_at(raw: dict, shop: Shop, now: datetime, errors: _Errors) -> datetime:
    value = raw.get("opened_at")
    if value in (None, ""):
        return now
    try:
        opened_at = value if isinstance(value, datetime) else datetime_parse(value, shop.tzinfo)
    except ValueError:
        errors.add("opened_at", _("Not a date and time: use ISO 8601, e.g. 2026-11-01T10:00:00+08:00."))
        return now
    if opened_at > now:
        errors.add("opened_at", _("Is in the future: a complaint is opened when the customer made it."))
    return opened_at


def _severity(raw: dict, can_set: bool, errors: _Errors) -> tuple[int | None, str]:
    value, reason = raw.get("severity"), raw.get("severity_reason")
    if value in (None, ""):
        return None, ""
    if not can_set:
        errors.add("severity", _("Only staff and admin keys may set the severity; it is graded from the complaint."))
        return None, ""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if type(value) is not int or not 1 <= value <= 4:
        errors.add("severity", _("An integer from 1 (most urgent) to 4."))
        return None, ""
    reason = _text(raw, "severity_reason", 300, errors, required=True)
    return value, reason


def _order(raw: dict, customer: Customer | None, errors: _Errors) -> Order | None:
    order = raw.get("order")
    if order is None:
        external_id = _text(raw, "order_external_id", 128, errors)
        if not external_id:
            return None
        order = Order.objects.filter(external_id=external_id).first()
        if order is None:
            errors.add("order_external_id", _("This shop has no order with this id."))
            return None
    if customer is not None and order.customer_id != customer.pk:
        errors.add("order_external_id", _("This order belongs to another customer."))
    return order


def ticket_clean(*, shop: Shop, raw: dict, customer: Customer | None, can_set_severity: bool, now: datetime) -> dict:
    """The ticket fields of a request, validated; TicketInvalid names each bad field."""
    if not isinstance(raw, dict):
        raise TicketInvalid({"non_field_errors": [_("Must be a JSON object.")]})
    errors = _Errors()
    ticket_settings_get(shop=shop)  # the default categories exist from the first ticket on
    category = category_find(raw.get("category"))
    if category is None:
        choices = ", ".join(
            TicketCategory.objects.filter(is_active=True).order_by("position").values_list("code", flat=True)
        )
        errors.add("category", _("Must be one of the shop's categories: %(choices)s.") % {"choices": choices})
    severity, severity_reason = _severity(raw, can_set_severity, errors)
    clean = {
        "channel": _choice(raw, "channel", TicketChannel, errors),
        "category": category,
        "subject": _text(raw, "subject", 200, errors, required=True),
        "description": _text(raw, "description", 10000, errors),
        "request_kind": _choice(raw, "request_kind", RequestKind, errors, default=""),
        "opened_at": _opened_at(raw, shop, now, errors),
        "order": _order(raw, customer, errors),
        "severity": severity,
        "severity_reason": severity_reason,
    }
    if errors:
        raise TicketInvalid(errors)
    return clean


def customer_from_payload(*, shop: Shop, raw, channel: str) -> Customer:
    """The customer named by `{"external_id", "phone", "email", "name"}`, matched or created as
    an order's customer is."""
    if not isinstance(raw, dict) or not any(isinstance(raw.get(k), str) and raw.get(k).strip()
                                            for k in ("external_id", "phone", "email")):  # fmt: skip
        raise TicketInvalid({"customer": [_("An object with at least one of external_id, phone or email.")]})
    errors = _Errors()
    fields = {name: _text(raw, name, 200 if name == "name" else 128, errors) for name in ("external_id", "name")}
    for name in ("phone", "email"):
        fields[name] = _text(raw, name, 254, errors) or None
    if errors:
        raise TicketInvalid({f"customer.{name}": reasons for name, reasons in errors.items()})
    try:
        return customer_resolve(shop=shop, channel=CUSTOMER_CHANNELS.get(channel, "web"), **fields)
    except IdentityInvalid as invalid:
        raise TicketInvalid({f"customer.{invalid.field}": [invalid.reason]}) from None


@transaction.atomic
def ticket_open_from_payload(*, shop: Shop, raw, can_set_severity: bool, actor_user: User | None = None) -> Ticket:
    """The storefront API's intake: `customer` object, optional `order_external_id`, the
    ticket fields (docs/tickets.md)."""
    if not isinstance(raw, dict):
        raise TicketInvalid({"non_field_errors": [_("Must be a JSON object.")]})
    channel = raw.get("channel") if raw.get("channel") in TicketChannel.values else TicketChannel.FORM
    customer = customer_from_payload(shop=shop, raw=raw.get("customer"), channel=channel)
    clean = ticket_clean(shop=shop, raw=raw, customer=customer, can_set_severity=can_set_severity, now=timezone.now())
    return ticket_open(shop=shop, customer=customer, clean=clean, actor_user=actor_user)


def ticket_open(*, shop: Shop, customer: Customer, clean: dict, actor_user: User | None = None) -> Ticket:
    """Create the ticket from `ticket_clean`'s output: graded, numbered, its SLA clocks started,
    and assigned when the shop assigns new tickets automatically."""
    assert customer.shop_id == shop.pk
    settings = ticket_settings_get(shop=shop, for_update=True)
    settings.last_ticket_number += 1
    settings.save(update_fields=["last_ticket_number"])
    severity, severity_reason = clean.pop("severity"), clean.pop("severity_reason")
    grade = severity_grade(
        text=f"{clean['subject']}\n{clean['description']}",
        channel=clean["channel"],
        recent_complaints=Ticket.objects.filter(
            customer=customer, opened_at__gte=clean["opened_at"] - REPEAT_WINDOW
        ).count(),
        **customer_value(shop=shop, customer=customer),
    )
    now = timezone.now()
    ticket = Ticket(
        shop=shop, number=settings.last_ticket_number, customer=customer, status=TicketStatus.NEW,
        severity=severity or grade.severity, severity_reasons=grade.reasons, severity_reason=severity_reason,
        severity_set_by=actor_user if severity else None, created_at=now, updated_at=now, **clean,
    )  # fmt: skip
    sla_on_open(ticket)
    ticket.save()
    audit_event_record(
        action="ticket.open",
        obj=ticket,
        changes={"number": ticket.number, "severity": ticket.severity, "severity_reason": severity_reason},
    )
    if settings.auto_assign_new:
        ticket_auto_assign(shop=shop, ticket_id=ticket.pk)
        ticket.refresh_from_db()
    return ticket
