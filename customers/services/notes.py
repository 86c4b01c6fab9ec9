"""Staff notes on a customer's timeline."""

from django.utils.translation import gettext as _

from crm.audit import audit_event_record
from crm.models import Shop, User
from crm.text import text_problem
from customers.models import Customer, CustomerNote

MAX_NOTE_LENGTH = 5000


class NoteInvalid(ValueError):
    pass


def customer_note_add(*, shop: Shop, customer: Customer, author: User | None, body: str) -> CustomerNote:
    assert customer.shop_id == shop.pk
    body = (body or "").strip()
    if not body or len(body) > MAX_NOTE_LENGTH:
        raise NoteInvalid(_("Write 1 to %(limit)d characters.") % {"limit": MAX_NOTE_LENGTH})
    if problem := text_problem(body):
        raise NoteInvalid(problem)
    note = CustomerNote.objects.create(shop=shop, customer=customer, author=author, body=body)
    audit_event_record(action="customer.note", obj=customer, changes={"note_id": note.pk})
    return note
