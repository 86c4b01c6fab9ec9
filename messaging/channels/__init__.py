"""Delivery channels: what a message looks like when it leaves, and how a send can end.

A channel's `send(outgoing) -> provider message id` either returns (the provider took the
message), raises `SendFailed` (nothing went out: retry when `is_retryable`, else give up), or
raises `SendOutcomeUnknown` (the message may have gone out; never resent by itself)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Outgoing:
    shop_id: int
    message_id: int
    attempt: int
    to: str  # an email address or an E.164 phone number
    purpose: str  # marketing, care or service (SMS providers send them through different templates)
    text: str  # the full text as the customer reads it (an SMS with its 【signature】)
    subject: str = ""
    headers: dict = field(default_factory=dict)
    sms_signature: str = ""  # the bare signature; providers that add 【】 themselves take this
    sms_content: str = ""  # the SMS text without the signature


class SendFailed(Exception):
    def __init__(self, reason: str, *, is_retryable: bool):
        super().__init__(reason)
        self.reason, self.is_retryable = reason, is_retryable


class SendOutcomeUnknown(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
