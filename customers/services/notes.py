"""Staff notes on a customer's timeline."""

from crm.models import Shop, User
from crm.platform.text import text_required
from crm.shops.audit import audit_event_record
from customers.models import Customer, CustomerNote

MAX_NOTE_LENGTH = 5000


class NoteInvalid(ValueError):
    pass


def customer_note_add(*, shop: Shop, customer: Customer, author: User | None, body: str) -> CustomerNote:
    assert customer.shop_id == shop.pk
    try:
        body = text_required(body, max_length=MAX_NOTE_LENGTH)
    except ValueError as reason:
        raise NoteInvalid(str(reason)) from None
    note = CustomerNote.objects.create(shop=shop, customer=customer, author=author, body=body)
    audit_event_record(action="customer.note", obj=customer, changes={"note_id": note.pk})
    return note
