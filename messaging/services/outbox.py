"""Writing to the outbox: the one call other apps make to message a customer."""

import re
import secrets
import string
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models import Shop
from crm.shops.audit import audit_event_record
from customers.models import Customer
from messaging.models import Channel, Message, MessageStatus, Purpose

RULE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")
_CODE_ALPHABET = string.ascii_letters + string.digits
CODE_RANDOM_LENGTH = 10  # 62**10 ≈ 8e17 codes per shop: not guessable by trying


class MessageInvalid(ValueError):
    pass


def message_enqueue(
    *, shop: Shop, customer: Customer, rule: str, occasion: str, channel: str, purpose: str,
    body: dict | str, subject: dict | str | None = None, variables: dict | None = None, link_url: str = "",
    send_after: datetime | None = None, segment_driven: bool = False,
) -> Message | None:  # fmt: skip
    """Write the outbox row in the caller's transaction; None when (shop, rule, customer,
    occasion, channel) already has one. Consent, caps, quiet hours and the rest are checked
    when it is sent, not here."""
    assert customer.shop_id == shop.pk
    _validate(rule=rule, occasion=occasion, channel=channel, purpose=purpose, body=body, send_after=send_after)
    message = Message(
        shop=shop, customer=customer, rule=rule, occasion=occasion, channel=channel, purpose=purpose,
        is_segment_driven=segment_driven, subject=subject or {}, body=body,
        variables={key: str(value) for key, value in (variables or {}).items()}, link_url=link_url,
        short_code=short_code_new(shop.pk) if link_url else "", send_after=send_after or timezone.now(),
    )  # fmt: skip
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        if Message.objects.filter(shop=shop, rule=rule, customer=customer, occasion=occasion, channel=channel).exists():
            return None
        raise
    return message


def message_enqueue_many(
    *, shop: Shop, rule: str, channel: str, purpose: str, body: dict | str, items: list[dict],
    subject: dict | str | None = None, send_after: datetime | None = None, segment_driven: bool = False,
) -> int:  # fmt: skip
    """`message_enqueue` for many customers of one rule at once (a care round, a campaign):
    `items` are {"customer_id", "occasion", and optionally "variables", "link_url",
    "send_after"}. Occasions that already have a message are left alone; returns how many
    rows were written. The customers must be the shop's (the database's composite foreign key
    refuses others)."""
    for item in items:
        _validate(rule=rule, occasion=item["occasion"], channel=channel, purpose=purpose, body=body,
                  send_after=item.get("send_after", send_after))  # fmt: skip
    existing = set(
        Message.objects.filter(rule=rule, channel=channel, customer_id__in={item["customer_id"] for item in items})
        .values_list("customer_id", "occasion")
    )  # fmt: skip
    now = timezone.now()
    rows = [
        Message(shop=shop, customer_id=item["customer_id"], rule=rule, occasion=item["occasion"], channel=channel,
                purpose=purpose, is_segment_driven=segment_driven, subject=subject or {}, body=body,
                variables={key: str(value) for key, value in item.get("variables", {}).items()},
                link_url=item.get("link_url", ""), short_code=short_code_new(shop.pk) if item.get("link_url") else "",
                send_after=item.get("send_after") or send_after or now, created_at=now)
        for item in items if (item["customer_id"], item["occasion"]) not in existing
    ]  # fmt: skip
    # A concurrent writer of the same occasion loses quietly, as in message_enqueue.
    Message.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def _validate(*, rule, occasion, channel, purpose, body, send_after) -> None:
    if not RULE_PATTERN.match(rule) or len(rule) > 64:
        raise MessageInvalid(f"rule must be dotted '<app>.<kind>', got {rule!r}")
    if not occasion or len(occasion) > 100:
        raise MessageInvalid("occasion must be 1-100 characters")
    if channel not in Channel.values or purpose not in Purpose.values:
        raise MessageInvalid(f"unknown channel or purpose: {channel!r}, {purpose!r}")
    if not body:
        raise MessageInvalid("body is empty")
    if send_after is not None and timezone.is_naive(send_after):
        raise MessageInvalid("send_after must be timezone-aware")


def short_code_new(shop_id: int) -> str:
    """`<shop id in hex>-<random>`: the redirect finds the shop from the code alone."""
    return f"{shop_id:x}-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_RANDOM_LENGTH))


class ResendRefused(ValueError):
    pass


RESENDABLE = (MessageStatus.FAILED, MessageStatus.UNKNOWN)


def message_resend(*, shop: Shop, message: Message) -> Message:
    """Staff send a failed or unknown message again, by hand: it is queued as new (an unknown
    one may reach the customer twice; that is the person's decision, not the system's)."""
    assert message.shop_id == shop.pk
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status not in RESENDABLE:
        raise ResendRefused(message.status)
    previous = message.status
    message.status, message.reason, message.attempts = MessageStatus.QUEUED, "", 0
    message.send_after, message.claimed_at, message.handed_over_at = timezone.now(), None, None
    message.save(update_fields=["status", "reason", "attempts", "send_after", "claimed_at", "handed_over_at",
                                "updated_at"])  # fmt: skip
    audit_event_record(action="message.resend", obj=message, changes={"status": [previous, MessageStatus.QUEUED]})
    return message
