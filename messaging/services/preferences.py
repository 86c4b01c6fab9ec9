"""What a customer decides from a link in an email: one-click unsubscribe from marketing
(RFC 8058) and the email preferences page. The links are signed per shop and customer, so
one customer's link cannot change another's consent; consent changes are recorded with
their source like any other."""

from django.core import signing

from crm.models import Shop
from customers.models import ConsentChannel, ConsentPurpose, Customer
from customers.services.consent import customer_consent_set

UNSUBSCRIBE_SALT = "messaging.unsubscribe"
PREFERENCES_SALT = "messaging.preferences"
UNSUBSCRIBE_SOURCE = "email one-click unsubscribe"
PREFERENCES_SOURCE = "email preferences page"


def link_token(*, salt: str, shop_id: int, customer_id: int) -> str:
    return signing.dumps([shop_id, customer_id], salt=salt, compress=True)


def link_token_read(token: str, *, salt: str) -> tuple[int, int] | None:
    """(shop id, customer id) of a genuine token, None for anything else."""
    try:
        shop_id, customer_id = signing.loads(token, salt=salt)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(shop_id, int) or not isinstance(customer_id, int):
        return None
    return shop_id, customer_id


def email_unsubscribe(*, shop: Shop, customer: Customer) -> None:
    customer_consent_set(shop=shop, customer=customer, channel=ConsentChannel.EMAIL, purpose=ConsentPurpose.MARKETING,
                         is_granted=False, source=UNSUBSCRIBE_SOURCE)  # fmt: skip


def email_preferences_save(*, shop: Shop, customer: Customer, marketing: bool, care: bool) -> None:
    for purpose, is_granted in ((ConsentPurpose.MARKETING, marketing), (ConsentPurpose.CARE, care)):
        customer_consent_set(shop=shop, customer=customer, channel=ConsentChannel.EMAIL, purpose=purpose,
                             is_granted=is_granted, source=PREFERENCES_SOURCE)  # fmt: skip
