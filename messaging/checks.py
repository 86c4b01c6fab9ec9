"""The checks made when a message is about to be sent, never when it is scheduled: a
customer who withdraws consent, refuses automated targeting or is erased in between is not
messaged. One call checks a whole claimed batch with a few queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from crm.models import Shop
from customers.models import Customer, CustomerConsent
from messaging.models import Channel, Message, MessageStatus, MessagingSettings, Purpose
from messaging.registry import MARKETING_SUPPRESSORS
from messaging.sending_window import window_next_open

# Reasons are stored as these codes (suppressors and send failures give their own text) and
# shown by label.
ERASED, TARGETING_REFUSED, NO_ADDRESS, NO_CONSENT, FREQUENCY_CAP = (
    "erased", "targeting_refused", "no_address", "no_consent", "frequency_cap",
)  # fmt: skip
ABANDONED = "sender_stopped"  # the reason of an unknown message whose claim was abandoned
REASON_LABELS = {
    ERASED: _("Customer erased"),
    TARGETING_REFUSED: _("Customer refuses automated targeting"),
    NO_ADDRESS: _("No valid address for the channel"),
    NO_CONSENT: _("No consent for this channel and purpose"),
    FREQUENCY_CAP: _("Frequency cap: a marketing message went out recently"),
    ABANDONED: _("The sender stopped after handing the message over, before recording the outcome"),
}
# A message counts against the cap from its claim on, whatever became of it after.
CAP_COUNTED = (MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.UNKNOWN)


def reason_label(reason: str) -> str:
    return str(REASON_LABELS.get(reason, reason))


@dataclass(frozen=True)
class SendCheck:
    skip_reason: str = ""
    wait_until: datetime | None = None


SEND = SendCheck()


def send_checks(*, shop: Shop, settings: MessagingSettings, messages: list[Message], now: datetime) -> dict:
    """{message id: SendCheck} for a claimed batch, in the order the messages were claimed."""
    consents = _granted_consents([message.customer_id for message in messages])
    marketing = [message for message in messages if message.purpose == Purpose.MARKETING]
    held = _suppressed(shop, marketing)
    recently_messaged = _recently_messaged(settings, marketing, now)
    decisions = {}
    for message in messages:
        decision = _basic_check(message, consents)
        if decision is SEND and message.purpose == Purpose.MARKETING:
            decision = _marketing_check(shop, settings, message, held, recently_messaged, now)
        decisions[message.pk] = decision
    return decisions


def _basic_check(message: Message, consents: set) -> SendCheck:
    customer = message.customer
    if customer.erased_at is not None or customer.merged_into_id is not None:
        return SendCheck(skip_reason=ERASED)
    if message.is_segment_driven and customer.is_automated_targeting_refused:
        return SendCheck(skip_reason=TARGETING_REFUSED)
    if not address_is_valid(message.channel, customer):
        return SendCheck(skip_reason=NO_ADDRESS)
    needs_consent = message.purpose != Purpose.SERVICE
    if needs_consent and (customer.pk, message.channel, message.purpose) not in consents:
        return SendCheck(skip_reason=NO_CONSENT)
    return SEND


def _marketing_check(shop, settings, message, held: dict, recently_messaged: set, now) -> SendCheck:
    if message.channel == Channel.SMS:
        opening = window_next_open(now, tz=shop.tzinfo, start=settings.send_window_start, end=settings.send_window_end)
        if opening is not None:
            return SendCheck(wait_until=opening)
    if message.customer_id in held:
        return SendCheck(skip_reason=held[message.customer_id][:300])
    key = (message.customer_id, message.channel)
    if key in recently_messaged:
        return SendCheck(skip_reason=FREQUENCY_CAP)
    recently_messaged.add(key)  # a second one in this batch is capped too
    return SEND


def address_is_valid(channel: str, customer: Customer) -> bool:
    if channel == Channel.EMAIL:
        try:
            validate_email(customer.email or "")
        except ValidationError:
            return False
        return True
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(customer.phone or "", None))
    except phonenumbers.NumberParseException:
        return False


def _granted_consents(customer_ids: list[int]) -> set[tuple[int, str, str]]:
    rows = CustomerConsent.objects.filter(customer_id__in=set(customer_ids), is_granted=True)
    return set(rows.values_list("customer_id", "channel", "purpose"))


def _suppressed(shop: Shop, marketing: list[Message]) -> dict[int, str]:
    customer_ids = sorted({message.customer_id for message in marketing})
    held: dict[int, str] = {}
    if not customer_ids:
        return held
    for suppressor in MARKETING_SUPPRESSORS.values():
        for customer_id, reason in suppressor(shop, customer_ids).items():
            held.setdefault(customer_id, reason)
    return held


def _recently_messaged(settings: MessagingSettings, marketing: list[Message], now: datetime) -> set[tuple[int, str]]:
    """(customer, channel) pairs inside their channel's cap window. The customers' rows are
    locked first, so two dispatchers claiming marketing for one customer take turns and the
    second sees the first's claim."""
    customer_ids = sorted({message.customer_id for message in marketing})
    if not customer_ids:
        return set()
    list(Customer.objects.select_for_update(of=("self",)).filter(pk__in=customer_ids).order_by("pk").values_list("pk"))
    recent = set()
    for channel, hours in ((Channel.EMAIL, settings.email_cap_hours), (Channel.SMS, settings.sms_cap_hours)):
        if hours == 0:
            continue
        rows = Message.objects.filter(
            customer_id__in=customer_ids, channel=channel, purpose=Purpose.MARKETING, status__in=CAP_COUNTED,
            claimed_at__gt=now - timedelta(hours=hours), claimed_at__lte=now,
        )  # fmt: skip
        recent.update((customer_id, channel) for customer_id in rows.values_list("customer_id", flat=True))
    return recent
