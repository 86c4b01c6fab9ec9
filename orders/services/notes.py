"""Staff notes on an order."""

from crm.models import Shop, User
from crm.platform.text import text_required
from crm.shops.audit import audit_event_record
from orders.models import Order, OrderNote

MAX_NOTE_LENGTH = 2000


class OrderNoteInvalid(ValueError):
    pass


def order_note_add(*, shop: Shop, order: Order, author: User | None, body: str) -> OrderNote:
    assert order.shop_id == shop.pk
    try:
        body = text_required(body, max_length=MAX_NOTE_LENGTH)
    except ValueError as reason:
        raise OrderNoteInvalid(str(reason)) from None
    note = OrderNote.objects.create(shop=shop, order=order, author=author, body=body)
    audit_event_record(action="order.note", obj=order, changes={"note_id": note.pk})
    return note
