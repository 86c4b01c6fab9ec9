"""Identity resolution: one profile per person, whatever door they came in by.

Contract (used by orders/ ingest and import, customers/ API, CSV import and pages):

- Matching order, for every write: the channel's own id (channel, external_id), then the
  normalized phone (E.164), then the normalized email (lower-cased, trimmed), among live
  customers (not merged away). No match -> a new customer. The channel id is attached to
  whoever matched; blank profile fields of an existing customer are filled, never
  overwritten (explicit edits go through `customer_update`).
- `phone_normalize` / `email_normalize` raise `IdentityInvalid` (a ValueError with `field`
  and a human reason). `customer_resolve` normalizes its input itself;
  `customers_resolve_bulk` expects the caller to have normalized (the bulk ingest validates
  per item first, so it can report errors per item) and does not re-check.
- Concurrency: phone and email are unique per shop among live customers (partial unique
  indexes), and new rows go in with INSERT ... ON CONFLICT DO NOTHING, then the losers
  re-read the winners. Many webhooks for one new phone end in exactly one customer.
- Both functions run in the caller's shop scope and transaction and do not commit.
- Channel ids are unique per shop too: of concurrent first sightings of one storefront id,
  the first to commit keeps it, and the others' items go to its customer; a customer a
  batch created only for those items is deleted again in the same transaction (its
  profile fills the winner's blanks), so no customer without orders is left behind.
"""

import re
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.models import Shop
from crm.platform.reasons import Reason
from crm.tenancy.context import require_shop_id
from customers.identity_batch import IdentityBatch
from customers.models import Customer

__all__ = [
    "IdentityInvalid",
    "customer_resolve",
    "customer_resolve_reporting",
    "customers_resolve_bulk",
    "email_normalize",
    "phone_normalize",
]

_DIGITS_ONLY = re.compile(r"[\s\-().]")
_email_validator = EmailValidator()


class IdentityInvalid(ValueError):
    def __init__(self, field_name: str, reason: str):
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


@lru_cache(maxsize=8)
def _mobile_pattern(region: str) -> re.Pattern | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.mobile is None or not metadata.mobile.national_number_pattern:
        return None
    return re.compile(metadata.mobile.national_number_pattern)


def phone_normalize(raw: str, region: str) -> str:
    """E.164 for `raw` read in `region` ("CN" by default for shops). Plain national mobiles
    (the common 11-digit Chinese case) take a fast path using phonenumbers' own mobile
    pattern, so the result is the same as the slow path."""
    text = (raw or "").strip()
    if not text:
        raise IdentityInvalid("phone", _("Phone number is empty."))
    compact = _DIGITS_ONLY.sub("", text)
    pattern = _mobile_pattern(region)
    if pattern is not None and compact.isdigit() and pattern.fullmatch(compact):
        return f"+{phonenumbers.country_code_for_region(region)}{compact}"
    return _phone_normalize_slow(text, region)


@lru_cache(maxsize=65536)
def _phone_normalize_slow(text: str, region: str) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise IdentityInvalid("phone", _("Not a phone number.")) from None
    if not phonenumbers.is_valid_number(number):
        raise IdentityInvalid(
            "phone", Reason(gettext_noop("Not a valid phone number for region %(region)s."), region=region)
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_normalize(raw: str) -> str:
    email = (raw or "").strip().lower()
    if not email:
        raise IdentityInvalid("email", _("Email is empty."))
    try:
        _email_validator(email)
    except ValidationError:
        raise IdentityInvalid("email", _("Not a valid email address.")) from None
    return email


def customer_resolve(
    *,
    shop: Shop,
    channel: str,
    external_id: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    name: str = "",
    **profile,
) -> Customer:
    """The one customer for this identity, created when nobody matches (see module doc).
    Raises IdentityInvalid for a malformed phone or email."""
    return customer_resolve_reporting(
        shop=shop, channel=channel, external_id=external_id, phone=phone, email=email, name=name, **profile
    )[0]


def customer_resolve_reporting(*, shop: Shop, channel: str, **identity_fields) -> tuple[Customer, bool]:
    """`customer_resolve` that also says whether the customer was created just now."""
    phone, email = identity_fields.pop("phone", None), identity_fields.pop("email", None)
    external_id, name = identity_fields.pop("external_id", None), identity_fields.pop("name", "")
    identity = {
        "channel": channel,
        "external_id": (external_id or "").strip() or None,
        "phone": phone_normalize(phone, shop.phone_region) if phone else None,
        "email": email_normalize(email) if email else None,
        "name": (name or "").strip(),
        **identity_fields,
    }
    assert shop.pk == require_shop_id(), "resolve in the scope of the shop it names"
    batch = IdentityBatch(shop_id=shop.pk, identities=[identity])
    [customer_id] = batch.resolve()
    return Customer.objects.get(pk=customer_id), customer_id in batch.created_ids


def customers_resolve_bulk(*, shop: Shop, identities: list[dict]) -> tuple[list[int], set[int]]:
    """Resolve a batch of identities with a handful of queries; returns the customer ids in
    input order and the ids of the customers it created (each inserted with the stats of
    the counted `order`s of its items: customers/identity_batch.py). Items of one new
    person in the same batch become one customer.

    Each dict: `channel` (required), `external_id`, `phone` (E.164, already normalized),
    `email` (already normalized), `name`, `order` (total, placed_at) or None, and optionally
    gender, birthday, province, city, district, source_channel, attributes (dict; existing
    keys win). Blank strings and None are "unknown"."""
    assert shop.pk == require_shop_id(), "resolve in the scope of the shop it names"
    if not identities:
        return [], set()
    batch = IdentityBatch(shop_id=shop.pk, identities=identities)
    return batch.resolve(), batch.created_ids
