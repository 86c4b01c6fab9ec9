"""Privacy requests: export everything the shop holds about a customer; erase a customer.

Erasure anonymizes personal data everywhere it was copied and keeps what analytics need
(order amounts, dates, statuses, lines; tags; consent decisions without the person):
- the profile (and every profile merged into it): name, phone, email, birthday, address,
  custom attributes; the row stays so orders keep their customer;
- channel ids (the storefront's account ids), secondary identifiers and staff notes:
  deleted; consent sources (free text) blanked; merge records: the duplicate's old
  identifiers cleared;
- every app's part registered in customers/registry.py ERASURE_PARTS (orders: recipient
  name, phone and address);
- the platform's copies (crm/platform/privacy.py): audit changes about these customers, stored
  idempotent responses, the admin's log.
The audit event `customer.erase` (ids only) is the erasure ledger to re-apply after a
backup restore (a restored backup still holds the erased data).
"""

import phonenumbers
from django.db import transaction
from django.utils import timezone

from crm.models import Shop
from crm.platform.privacy import personal_copies_scrub
from crm.shops.audit import audit_event_record
from customers.models import (
    ConsentEvent,
    Customer,
    CustomerChannelId,
    CustomerConsent,
    CustomerIdentifier,
    CustomerMerge,
    CustomerNote,
    Gender,
)
from customers.registry import ERASURE_PARTS
from customers.selectors.export import customer_export_data


def customer_export(*, shop: Shop, customer: Customer) -> dict:
    assert customer.shop_id == shop.pk
    data = customer_export_data(shop=shop, customer=customer)
    audit_event_record(action="customer.export", obj=customer)
    return data


@transaction.atomic
def customer_erase(*, shop: Shop, customer: Customer) -> Customer:
    assert customer.shop_id == shop.pk
    people = _same_person(customer)
    ids = [person.pk for person in people]
    values = _identifying_strings(people)
    CustomerChannelId.objects.filter(customer_id__in=ids).delete()
    CustomerIdentifier.objects.filter(customer_id__in=ids).delete()
    CustomerNote.objects.filter(customer_id__in=ids).delete()
    CustomerConsent.objects.filter(customer_id__in=ids).exclude(source="").update(source="")
    ConsentEvent.objects.filter(customer_id__in=ids).exclude(source="").update(source="")
    CustomerMerge.objects.filter(duplicate_id__in=ids).exclude(duplicate_identifiers={}).update(
        duplicate_identifiers={}
    )
    for erase in ERASURE_PARTS.values():
        erase(shop=shop, customer_ids=ids)
    Customer.objects.filter(pk__in=ids).update(
        name="",
        phone=None,
        email=None,
        gender=Gender.UNKNOWN,
        birthday=None,
        province="",
        city="",
        district="",
        attributes={},
        is_automated_targeting_refused=True,
        erased_at=timezone.now(),
        updated_at=timezone.now(),
    )
    personal_copies_scrub(shop=shop, model=Customer, ids=ids, values=values)
    audit_event_record(action="customer.erase", obj=customer, changes={"customer_ids": ids})
    customer.refresh_from_db()
    return customer


def _same_person(customer: Customer) -> list[Customer]:
    """The customer and every profile merged into it, transitively."""
    people, frontier = [customer], [customer.pk]
    while frontier:
        merged = list(Customer.objects.filter(merged_into_id__in=frontier))
        people.extend(merged)
        frontier = [person.pk for person in merged]
    return people


def _identifying_strings(people: list[Customer]) -> list[str]:
    """Every value that identified the person, in each form it may have been stored in."""
    values = set()
    for person in people:
        values.update(value for value in (person.phone, person.email) if value)
        if len(person.name) >= 2:
            values.add(person.name)
    ids = [person.pk for person in people]
    values.update(CustomerChannelId.objects.filter(customer_id__in=ids).values_list("external_id", flat=True))
    values.update(CustomerIdentifier.objects.filter(customer_id__in=ids).values_list("value", flat=True))
    for merge in CustomerMerge.objects.filter(duplicate_id__in=ids):
        identifiers = merge.duplicate_identifiers or {}
        values.update(value for value in (identifiers.get("phone"), identifiers.get("email")) if value)
        values.update(value.split(":", 1)[-1] for value in identifiers.get("channel_ids", []))
    values.update(_national_form(value) for value in list(values) if value.startswith("+"))
    return sorted(value for value in values if value)


def _national_form(phone: str) -> str:
    """13800138000 for +8613800138000: the digits as people type them."""
    try:
        return phonenumbers.national_significant_number(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        return ""
