"""The dispatcher: one round of sending for one shop, claim -> commit -> send -> commit.

1. In a short transaction, claim a batch of due queued rows (`rows_claim`: two dispatchers
   never get the same row), check each at send time (erasure, automated-targeting refusal,
   address, consent, quiet window, suppressors, frequency cap), mark the ones to send
   `sending`, and commit.
2. For each: commit `handed_over_at` with what goes out (address, text), send outside any
   transaction, and commit the outcome (sent, queued again for a retry with backoff, failed,
   or unknown) in the same short transaction as the next message's hand-over.
A row left `sending` longer than CLAIM_TIMEOUT (its sender died) goes back to the queue when
it was never handed over, and becomes unknown when it was: never resent by itself,
resendable by staff.
Every time decision uses the round's `now`, so a round can be replayed for any instant."""

import logging
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from crm.models import Shop
from crm.platform.locks import rows_claim
from crm.tenancy.context import shop_scope
from messaging.channels import SendFailed, SendOutcomeUnknown
from messaging.channels.email import email_send
from messaging.channels.sms import sms_send
from messaging.checks import ABANDONED, SendCheck, send_checks
from messaging.compose import message_compose
from messaging.models import Channel, Message, MessageStatus
from messaging.selectors import messaging_settings_get

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_ATTEMPTS = 3
RETRY_BACKOFF = timedelta(minutes=2)  # times 4 ** (attempts - 1): 2, 8 minutes
CLAIM_TIMEOUT = timedelta(minutes=15)
SENDERS = {Channel.EMAIL: email_send, Channel.SMS: sms_send}


def dispatch_summary_new() -> dict:
    return {"queued": 0, "sent": 0, "skipped": {}, "failed": 0, "unknown": 0}


def outbox_dispatch(shop: Shop, *, now: datetime | None = None, time_budget: float | None = None) -> dict:
    """Send what is due for `shop` as of `now`; the round's summary. Call outside any
    transaction: each claim and each outcome commits on its own. `queued` counts the
    messages the round left waiting (for the morning, or for a retry). With `time_budget`
    (seconds) no new batch is claimed once it is spent; the next round goes on from there."""
    now = now or timezone.now()
    started = time.monotonic()
    summary = dispatch_summary_new()
    skipped = Counter()
    with shop_scope(shop.pk, savepoint=False):
        summary["unknown"] += abandoned_claims_mark(now=now)
    while time_budget is None or time.monotonic() - started < time_budget:
        with shop_scope(shop.pk, savepoint=False):
            batch = _batch_claim(shop, now, summary, skipped)
        if batch is None:
            break
        _batch_send(shop, batch, now, summary)
    summary["skipped"] = dict(skipped)
    counts = {key: value for key, value in summary.items() if key != "skipped"}
    logger.info("messaging.dispatch", extra={"shop_id": shop.pk, **counts, "skipped": sum(skipped.values())})
    return summary


def abandoned_claims_mark(*, now: datetime) -> int:
    """In the shop's scope: claims older than CLAIM_TIMEOUT are requeued when never handed
    over, and become unknown when they were; returns how many became unknown."""
    abandoned = Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    abandoned.filter(handed_over_at__isnull=True).update(status=MessageStatus.QUEUED, claimed_at=None,
                                                         updated_at=timezone.now())  # fmt: skip
    return abandoned.update(status=MessageStatus.UNKNOWN, reason=ABANDONED, updated_at=timezone.now())


def _batch_claim(shop: Shop, now: datetime, summary: dict, skipped: Counter):
    """Claim and check one batch: the messages to send, each with what goes out (maybe none,
    when all were skipped or deferred); None when nothing more is due. A few set-based
    updates, not one per row: the rows are locked until this transaction commits."""
    due = Message.objects.filter(status=MessageStatus.QUEUED, send_after__lte=now).order_by("send_after", "pk")
    messages = rows_claim(due.select_related("customer")[:BATCH_SIZE])
    if not messages:
        return None
    settings = messaging_settings_get(shop=shop)
    decisions = send_checks(shop=shop, settings=settings, messages=messages, now=now)
    waiting, skipping, to_send = defaultdict(list), defaultdict(list), []
    for message in messages:
        decision: SendCheck = decisions[message.pk]
        if decision.wait_until is not None:
            waiting[decision.wait_until].append(message.pk)
        elif decision.skip_reason:
            skipping[decision.skip_reason].append(message.pk)
        else:
            message.attempts += 1
            to_send.append((message, message_compose(shop=shop, settings=settings, message=message,
                                                     attempt=message.attempts)))  # fmt: skip
    updated_at = timezone.now()
    for opening, ids in waiting.items():
        Message.objects.filter(pk__in=ids).update(send_after=opening, updated_at=updated_at)
        summary["queued"] += len(ids)
    for reason, ids in skipping.items():
        Message.objects.filter(pk__in=ids).update(status=MessageStatus.SKIPPED, reason=reason, updated_at=updated_at)
        skipped[reason] += len(ids)
    Message.objects.filter(pk__in=[message.pk for message, _outgoing in to_send]).update(
        status=MessageStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now, handed_over_at=None,
        updated_at=updated_at,
    )  # fmt: skip
    return to_send


def _batch_send(shop: Shop, batch: list, now: datetime, summary: dict) -> None:
    """Hand each message over and send it. Each short transaction records the previous
    message's outcome and marks the next one handed over (with what goes out: address and
    text), so a message's outcome is committed before the next provider call and each send
    costs one commit."""
    outcome = None
    for message, outgoing in [*batch, (None, None)]:
        with shop_scope(shop.pk, savepoint=False):
            if outcome is not None:
                _outcome_record(*outcome)
            if message is None:
                return
            handed = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
                handed_over_at=now, recipient=outgoing.to, rendered_subject=outgoing.subject[:300],
                rendered_body=outgoing.text,
            )  # fmt: skip
        # Not handed: another round found the claim abandoned meanwhile and took it back.
        outcome = _send(message, outgoing, now, summary) if handed else None


def _send(message: Message, outgoing, now: datetime, summary: dict) -> tuple[Message, dict]:
    """Call the provider; the outcome to record, as (message, fields)."""
    try:
        provider_id = SENDERS[message.channel](outgoing)
    except SendFailed as failure:
        fields = _failure_fields(message, failure, now)
        summary["queued" if fields["status"] == MessageStatus.QUEUED else "failed"] += 1
        return message, fields
    except SendOutcomeUnknown as unknown:
        summary["unknown"] += 1
        return message, {"status": MessageStatus.UNKNOWN, "reason": unknown.reason}
    summary["sent"] += 1
    return message, {"status": MessageStatus.SENT, "provider_message_id": provider_id[:100], "sent_at": now}


def _outcome_record(message: Message, fields: dict) -> None:
    # Only over its own claim: `sending`, or `unknown` when the round that found the claim
    # abandoned raced this late outcome (the real outcome is better than unknown).
    Message.objects.filter(pk=message.pk, status__in=(MessageStatus.SENDING, MessageStatus.UNKNOWN)).update(
        **fields, updated_at=timezone.now()
    )


def _failure_fields(message: Message, failure: SendFailed, now: datetime) -> dict:
    reason = f"attempt {message.attempts}: {failure.reason}"[:300]
    if failure.is_retryable and message.attempts < MAX_ATTEMPTS:
        retry_at = now + RETRY_BACKOFF * 4 ** (message.attempts - 1)
        return {"status": MessageStatus.QUEUED, "reason": reason, "send_after": retry_at, "claimed_at": None}
    return {"status": MessageStatus.FAILED, "reason": reason}
