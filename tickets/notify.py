"""What tickets send the customer, through the messaging outbox (in the caller's transaction;
messaging checks the address and sends later): agents' replies and satisfaction surveys."""

from django.utils import translation
from django.utils.translation import gettext as _

from messaging.models import Channel, Message, Purpose
from messaging.services.outbox import message_enqueue
from tickets.models import CsatSurvey, Ticket, TicketMessage

LANGUAGES = ("zh-hans", "en")


def _in_each_language(text) -> dict[str, str]:
    texts = {}
    for language in LANGUAGES:
        with translation.override(language):
            texts[language] = text()
    return texts


def _channel(ticket: Ticket) -> str | None:
    """Email when the customer has an address, else SMS; None when neither."""
    customer = ticket.customer
    if customer.email:
        return Channel.EMAIL
    return Channel.SMS if customer.phone else None


def _literal(text: str) -> str:
    # An agent's text is sent as written: braces in it are not placeholders.
    return text.replace("{", "{{").replace("}", "}}")


def reply_send(ticket: Ticket, message: TicketMessage) -> Message | None:
    channel = _channel(ticket)
    if channel is None:
        return None
    return message_enqueue(
        shop=ticket.shop, customer=ticket.customer, rule="tickets.reply", occasion=str(message.pk),
        channel=channel, purpose=Purpose.SERVICE, body=_literal(message.body),
        subject=_in_each_language(lambda: _("Re: %(subject)s (request #%(number)d)")
                                  % {"subject": _literal(ticket.subject), "number": ticket.number}),
    )  # fmt: skip


def survey_message_enqueue(survey: CsatSurvey, *, link_url: str) -> Message | None:
    ticket = survey.ticket
    channel = _channel(ticket)
    if channel is None:
        return None
    number = ticket.number
    return message_enqueue(
        shop=ticket.shop, customer=ticket.customer, rule="tickets.csat",
        occasion=f"{ticket.pk}:{survey.resolution}", channel=channel, purpose=Purpose.SERVICE, link_url=link_url,
        subject=_in_each_language(lambda: _("How did we do with request #%(number)d?") % {"number": number}),
        body=_in_each_language(lambda: _("Hello {customer_name}, your request #%(number)d at {shop_name} is "
                                         "resolved. How did we do? Rate us from 1 to 5: {short_link}")
                               % {"number": number}),
    )  # fmt: skip
