"""Privacy requests: export everything the shop holds about a customer; erase a customer.

Erasure anonymizes personal data everywhere it was copied and keeps what analytics need
(order amounts, dates, statuses, lines; tags; consent decisions without the person):
- the profile (and every profile merged into it): name, phone, email, birthday, address,
  custom attributes; the row stays so orders keep their customer;
- channel ids (the storefront's account ids) and staff notes: deleted;
- merge records: the duplicate's old identifiers are cleared;
- orders: recipient name, phone and address blanked (orders' own erase service);
- stored idempotent responses and audit changes that contain any of the person's
  identifiers are deleted / emptied.
The audit event `customer.erase` (ids only) is the erasure ledger to re-apply after a
backup restore (a restored backup still holds the erased data).
"""

from django.db import connection, transaction
from django.utils import timezone

from crm.audit import audit_event_record
from crm.models import Shop
from customers.lookups import like_escape
from customers.models import Customer, CustomerChannelId, CustomerMerge, CustomerNote, Gender
from customers.selectors.export import customer_export_data
from orders.services import order_personal_data_erase


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
    secrets = _identifying_strings(people)
    CustomerChannelId.objects.filter(customer_id__in=ids).delete()
    CustomerNote.objects.filter(customer_id__in=ids).delete()
    for merge in CustomerMerge.objects.filter(duplicate_id__in=ids).exclude(duplicate_identifiers={}):
        merge.duplicate_identifiers = {}
        merge.save(update_fields=["duplicate_identifiers"])
    order_personal_data_erase(shop=shop, customer_ids=ids)
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
    _scrub_copies(shop, secrets)
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
    values = set()
    for person in people:
        values.update(value for value in (person.phone, person.email) if value)
        if len(person.name) >= 2:
            values.add(person.name)
    ids = [person.pk for person in people]
    values.update(CustomerChannelId.objects.filter(customer_id__in=ids).values_list("external_id", flat=True))
    for merge in CustomerMerge.objects.filter(duplicate_id__in=ids):
        identifiers = merge.duplicate_identifiers or {}
        values.update(value for value in (identifiers.get("phone"), identifiers.get("email")) if value)
        values.update(value.split(":", 1)[-1] for value in identifiers.get("channel_ids", []))
    return sorted(values)


def _scrub_copies(shop: Shop, secrets: list[str]) -> None:
    """Stored API responses and audit changes may quote the person: drop those copies.
    A common name can match other customers' records too; losing a replay record only
    means a retried request is processed again (upserts keep that harmless)."""
    if not secrets:
        return
    patterns = ["%" + like_escape(secret) + "%" for secret in secrets]
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM crm_idempotencyrecord WHERE shop_id = %s AND response_body::text LIKE ANY(%s)",
            [shop.pk, patterns],
        )
        cursor.execute(
            "UPDATE crm_auditevent SET changes = '{}'::jsonb WHERE shop_id = %s AND changes::text LIKE ANY(%s)",
            [shop.pk, patterns],
        )
