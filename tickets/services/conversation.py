"""The conversation of a ticket: replies to the customer, internal notes, the customer's own
messages, and macros (canned replies that may also set fields and propose a compensation)."""

from django.db import transaction
from django.utils import timezone

from crm.models import Shop, User
from crm.platform.text import text_required
from crm.shops.audit import audit_event_record
from tickets.models import Macro, MessageKind, Ticket, TicketMessage, TicketStatus
from tickets.notify import reply_send
from tickets.services.sla import sla_on_customer_message, sla_on_public_reply
from tickets.services.workflow import status_apply, ticket_locked
from tickets.variables import template_render

MAX_MESSAGE = 10000


class MessageInvalid(ValueError):
    pass


def _body(body) -> str:
    try:
        return text_required(body if isinstance(body, str) else "", max_length=MAX_MESSAGE)
    except ValueError as reason:
        raise MessageInvalid(str(reason)) from None


@transaction.atomic
def ticket_reply(
    *, shop: Shop, ticket_id: int, body: str, is_public: bool, author: User | None, macro: Macro | None = None
) -> TicketMessage:
    """An agent's public reply (sent to the customer; a new ticket becomes open) or internal
    note; with `macro`, the macro's field changes apply too."""
    body = _body(body)
    ticket = ticket_locked(ticket_id)
    now = timezone.now()
    message = TicketMessage.objects.create(
        shop=shop, ticket=ticket, kind=MessageKind.REPLY if is_public else MessageKind.NOTE, body=body,
        author=author, created_at=now,
    )  # fmt: skip
    if is_public:
        sla_on_public_reply(ticket, at=now)
        ticket.last_public_reply_at = now
        if ticket.status == TicketStatus.NEW:
            status_apply(ticket, TicketStatus.OPEN, at=now)
        reply_send(ticket, message)
    if macro is not None:
        _macro_fields_apply(ticket, macro, at=now)
    ticket.updated_at = now
    ticket.save()
    audit_event_record(action="ticket.reply" if is_public else "ticket.note", obj=ticket,
                       changes={"message_id": message.pk, "macro": macro.name if macro else None})  # fmt: skip
    return message


@transaction.atomic
def ticket_customer_message(*, shop: Shop, ticket_id: int, body: str) -> TicketMessage:
    """The customer wrote (relayed by the storefront): the reply clock runs again, and a ticket
    waiting on them or resolved is open again."""
    body = _body(body)
    ticket = ticket_locked(ticket_id)
    now = timezone.now()
    message = TicketMessage.objects.create(
        shop=shop, ticket=ticket, kind=MessageKind.CUSTOMER, body=body, created_at=now
    )
    if ticket.status in (TicketStatus.WAITING, TicketStatus.RESOLVED, TicketStatus.CLOSED):
        status_apply(ticket, TicketStatus.OPEN, at=now)
    sla_on_customer_message(ticket, at=now)
    ticket.updated_at = now
    ticket.save()
    audit_event_record(action="ticket.customer_message", obj=ticket, changes={"message_id": message.pk})
    return message


def macro_render(*, ticket: Ticket, macro: Macro) -> str:
    """The macro's text for this ticket (customer_name and shop_name filled in here too, so the
    agent sees what the customer will read)."""
    values = {
        "customer_name": ticket.customer.name,
        "shop_name": ticket.shop.name,
        "order_number": ticket.order.external_id if ticket.order_id else "",
        "amount": str(macro.compensation_amount) if macro.compensation_kind else "",
    }
    return template_render(macro.body, values)


def _macro_fields_apply(ticket: Ticket, macro: Macro, *, at) -> None:
    if macro.set_category_id and macro.set_category_id != ticket.category_id:
        ticket.category_id = macro.set_category_id
    if macro.set_status and macro.set_status != ticket.status:
        status_apply(ticket, macro.set_status, at=at)
