"""The dispatcher: one round of sending for one shop, claim -> commit -> send -> commit.

1. In a short transaction, claim a batch of due queued rows (`rows_claim`: two dispatchers
   never get the same row), check each at send time (erasure, automated-targeting refusal,
   address, consent, quiet window, suppressors, frequency cap), mark the ones to send
   `sending` with what will go out, and commit.
2. Send each one outside any transaction.
3. Record each outcome in its own short transaction: sent, queued again for a retry (with
   backoff), failed, or unknown.
A row left `sending` longer than CLAIM_TIMEOUT (its sender died between handing it over and
recording the outcome) becomes unknown: never resent by itself, resendable by staff.
Every time decision uses the round's `now`, so a round can be replayed for any instant."""

import logging
import time
from collections import Counter
from datetime import datetime, timedelta

from django.utils import timezone

from crm.models import Shop
from crm.platform.locks import rows_claim
from crm.tenancy.context import shop_scope
from messaging.channels import SendFailed, SendOutcomeUnknown
from messaging.channels.email import email_send
from messaging.channels.sms import sms_send
from messaging.checks import SendCheck, send_checks
from messaging.compose import message_compose
from messaging.models import Channel, Message, MessageStatus, MessagingSettings
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
    with shop_scope(shop.pk):
        summary["unknown"] += abandoned_claims_mark(now=now)
    while time_budget is None or time.monotonic() - started < time_budget:
        with shop_scope(shop.pk):
            batch = _batch_claim(shop, now, summary, skipped)
        if batch is None:
            break
        for message, outgoing in batch:
            _send_one(shop, message, outgoing, now, summary)
    summary["skipped"] = dict(skipped)
    counts = {key: value for key, value in summary.items() if key != "skipped"}
    logger.info("messaging.dispatch", extra={"shop_id": shop.pk, **counts, "skipped": sum(skipped.values())})
    return summary


def abandoned_claims_mark(*, now: datetime) -> int:
    """In the shop's scope: claims older than CLAIM_TIMEOUT become unknown."""
    return Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT).update(
        status=MessageStatus.UNKNOWN, reason=UNKNOWN_ABANDONED, updated_at=timezone.now()
    )


UNKNOWN_ABANDONED = "the sender stopped after handing the message over, before recording the outcome"


def _batch_claim(shop: Shop, now: datetime, summary: dict, skipped: Counter):
    """Claim and check one batch: the messages to send, each with what goes out (maybe none,
    when all were skipped or deferred); None when nothing more is due."""
    due = Message.objects.filter(status=MessageStatus.QUEUED, send_after__lte=now).order_by("send_after", "pk")
    messages = rows_claim(due.select_related("customer")[:BATCH_SIZE])
    if not messages:
        return None
    settings = messaging_settings_get(shop=shop)
    decisions = send_checks(shop=shop, settings=settings, messages=messages, now=now)
    to_send = []
    for message in messages:
        decision: SendCheck = decisions[message.pk]
        if decision.wait_until is not None:
            message.send_after = decision.wait_until
            message.save(update_fields=["send_after", "updated_at"])
            summary["queued"] += 1
        elif decision.skip_reason:
            message.status, message.reason = MessageStatus.SKIPPED, decision.skip_reason
            message.save(update_fields=["status", "reason", "updated_at"])
            skipped[decision.skip_reason] += 1
        else:
            to_send.append((message, _claim(shop, settings, message, now)))
    return to_send


def _claim(shop: Shop, settings: MessagingSettings, message: Message, now: datetime):
    outgoing = message_compose(shop=shop, settings=settings, message=message, attempt=message.attempts + 1)
    message.status, message.attempts, message.claimed_at = MessageStatus.SENDING, message.attempts + 1, now
    message.recipient, message.rendered_body = outgoing.to, outgoing.text
    message.rendered_subject = outgoing.subject[:300]
    message.save(update_fields=["status", "attempts", "claimed_at", "recipient", "rendered_subject", "rendered_body",
                                "updated_at"])  # fmt: skip
    return outgoing


def _send_one(shop: Shop, message: Message, outgoing, now: datetime, summary: dict) -> None:
    try:
        provider_id = SENDERS[message.channel](outgoing)
    except SendFailed as failure:
        with shop_scope(shop.pk):
            status = _failure_record(message, failure, now)
        summary["queued" if status == MessageStatus.QUEUED else "failed"] += 1
        return
    except SendOutcomeUnknown as unknown:
        with shop_scope(shop.pk):
            _outcome_record(message, status=MessageStatus.UNKNOWN, reason=unknown.reason)
        summary["unknown"] += 1
        return
    with shop_scope(shop.pk):
        _outcome_record(message, status=MessageStatus.SENT, provider_message_id=provider_id[:100], sent_at=now)
    summary["sent"] += 1


def _outcome_record(message: Message, **fields) -> None:
    # Only over its own claim: `sending`, or `unknown` when the round that found the claim
    # abandoned raced this late outcome (the real outcome is better than unknown).
    Message.objects.filter(pk=message.pk, status__in=(MessageStatus.SENDING, MessageStatus.UNKNOWN)).update(
        **fields, updated_at=timezone.now()
    )


def _failure_record(message: Message, failure: SendFailed, now: datetime) -> str:
    reason = f"attempt {message.attempts}: {failure.reason}"[:300]
    if failure.is_retryable and message.attempts < MAX_ATTEMPTS:
        retry_at = now + RETRY_BACKOFF * 4 ** (message.attempts - 1)
        _outcome_record(message, status=MessageStatus.QUEUED, reason=reason, send_after=retry_at, claimed_at=None)
        return MessageStatus.QUEUED
    _outcome_record(message, status=MessageStatus.FAILED, reason=reason)
    return MessageStatus.FAILED
