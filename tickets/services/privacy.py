"""Erasure support for customers/: what a customer wrote or sent in their tickets."""

from contextlib import suppress

from django.db import transaction
from django.utils import timezone

from crm.models import Shop
from crm.tenancy.context import require_shop_id
from tickets.models import CsatSurvey, Ticket, TicketAttachment, TicketMessage
from tickets.services.attachments import AttachmentInvalid, attachment_path


@transaction.atomic
def tickets_personal_data_erase(*, shop: Shop, customer_ids: list[int]) -> int:
    """Blank the free text of these customers' tickets (subject, description, conversation,
    handover notes, survey comments) and delete their attachments, files included; the
    tickets stay, with their dates, category, severity and status, for the reports. Returns
    the number of tickets touched."""
    assert shop.pk == require_shop_id(), "erase in the scope of the shop it names"
    tickets = Ticket.objects.filter(customer_id__in=customer_ids)
    TicketMessage.objects.filter(ticket__in=tickets).update(body="")
    CsatSurvey.objects.filter(ticket__in=tickets).exclude(comment="").update(comment="")
    for attachment in TicketAttachment.objects.filter(ticket__in=tickets):
        with suppress(AttachmentInvalid):  # the file is gone already
            attachment_path(attachment).unlink()
        attachment.delete()
    return tickets.update(subject="", description="", handover_note="", updated_at=timezone.now())
