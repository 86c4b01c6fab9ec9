"""SMS replies delivered by the provider (Aliyun's SmsUp HTTP push: a JSON array of
{phone_number, content, send_time, ...}). A reply of R (or TD, the other customary word)
withdraws SMS marketing consent for that number at once.

Aliyun's push carries no signature of its own, so the URL is the credential: it holds an
HMAC of the shop id under the server's secret (a per-shop capability URL, shown on the
settings page), checked in constant time; a wrong one is refused and changes nothing."""

import hmac

from django.utils.crypto import salted_hmac

from crm.models import Shop
from customers.identity import IdentityInvalid, phone_normalize
from customers.models import ConsentChannel, ConsentPurpose, Customer
from customers.services.consent import customer_consent_set

OPT_OUT_WORDS = {"R", "TD", "T"}
OPT_OUT_SOURCE = "sms reply"


def sms_callback_signature(shop_id: int) -> str:
    return salted_hmac("messaging.sms_callback", str(shop_id), algorithm="sha256").hexdigest()[:40]


def sms_callback_signature_is_valid(shop_id: int, signature: str) -> bool:
    return hmac.compare_digest(sms_callback_signature(shop_id), signature)


def sms_replies_process(*, shop: Shop, replies: list[dict]) -> int:
    """In the shop's scope: withdraw SMS marketing consent for every number that replied an
    opt-out word; returns how many customers it withdrew."""
    withdrawn = 0
    for reply in replies:
        if str(reply.get("content", "")).strip().upper() not in OPT_OUT_WORDS:
            continue
        try:
            phone = phone_normalize(str(reply.get("phone_number", "")), shop.phone_region)
        except IdentityInvalid:
            continue
        for customer in Customer.objects.filter(phone=phone, erased_at__isnull=True):
            customer_consent_set(shop=shop, customer=customer, channel=ConsentChannel.SMS,
                                 purpose=ConsentPurpose.MARKETING, is_granted=False, source=OPT_OUT_SOURCE)  # fmt: skip
            withdrawn += 1
    return withdrawn
