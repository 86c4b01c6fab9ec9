"""Staff notes on an order."""

from django.utils.translation import gettext as _

from crm.audit import audit_event_record
from crm.models import Shop, User
from crm.text import text_problem
from orders.models import Order, OrderNote

MAX_NOTE_LENGTH = 2000


class OrderNoteInvalid(ValueError):
    pass


def order_note_add(*, shop: Shop, order: Order, author: User | None, body: str) -> OrderNote:
    assert order.shop_id == shop.pk
    body = (body or "").strip()
    if not body or len(body) > MAX_NOTE_LENGTH:
        raise OrderNoteInvalid(_("Write 1 to %(limit)d characters.") % {"limit": MAX_NOTE_LENGTH})
    if problem := text_problem(body):
        raise OrderNoteInvalid(problem)
    note = OrderNote.objects.create(shop=shop, order=order, author=author, body=body)
    audit_event_record(action="order.note", obj=order, changes={"note_id": note.pk})
    return note
