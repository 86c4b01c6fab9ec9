"""What messaging holds about a customer, for the privacy export, erasure and merge. Sent
messages copy personal data (the address, the rendered text, the variables), so erasure blanks
those and cancels what has not gone out yet."""

from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Concat, Left
from django.utils import timezone

from crm.models import Shop
from customers.models import Customer
from messaging.checks import ERASED
from messaging.models import Message, MessageStatus

EXPORT_FIELDS = ("rule", "occasion", "channel", "purpose", "status", "reason", "recipient", "rendered_subject",
                 "rendered_body", "link_url", "clicks", "created_at", "sent_at")  # fmt: skip


def messages_for_customer_export(*, shop: Shop, customer: Customer) -> list[dict]:
    rows = Message.objects.filter(customer=customer).order_by("created_at", "pk").values(*EXPORT_FIELDS)
    return [{name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in row.items()}
            for row in rows]  # fmt: skip


def messages_personal_data_erase(*, shop: Shop, customer_ids: list[int]) -> None:
    messages = Message.objects.filter(customer_id__in=customer_ids)
    messages.filter(status=MessageStatus.QUEUED).update(status=MessageStatus.SKIPPED, reason=ERASED)
    messages.update(recipient="", rendered_subject="", rendered_body="", subject={}, body={}, variables={},
                    link_url="", updated_at=timezone.now())  # fmt: skip


def messages_merge(*, shop: Shop, survivor: Customer, duplicate: Customer) -> int:
    """The duplicate's messages move to the survivor; one for an occasion the survivor already
    has a message for keeps its history under a marked occasion (both were really sent)."""
    clashing = Message.objects.filter(customer=duplicate).filter(
        Exists(Message.objects.filter(customer=survivor, rule=OuterRef("rule"), occasion=OuterRef("occasion"),
                                      channel=OuterRef("channel")))  # fmt: skip
    )
    clashing.update(occasion=Left(Concat("occasion", Value(f"~merged:{duplicate.pk}")), 100))
    return Message.objects.filter(customer=duplicate).update(customer=survivor)
