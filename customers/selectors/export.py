"""Everything the shop holds about one customer, as JSON-ready data (privacy export)."""

from crm.models import Shop
from customers.models import (
    ConsentEvent,
    Customer,
    CustomerConsent,
    CustomerIdentifier,
    CustomerMerge,
    CustomerNote,
    CustomerTag,
)
from customers.registry import EXPORT_PARTS

PROFILE_EXPORT_FIELDS = (
    "id", "name", "phone", "email", "gender", "birthday", "province", "city", "district", "source_channel",
    "attributes", "is_automated_targeting_refused", "created_at", "updated_at", "erased_at", "orders_count",
    "total_spent", "refunds_count", "refunded_amount", "first_order_at", "last_order_at",
)  # fmt: skip


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str | dict | list):
        return value
    return str(value)


def _row(instance, fields) -> dict:
    return {name: _plain(getattr(instance, name)) for name in fields}


def customer_export_data(*, shop: Shop, customer: Customer) -> dict:
    """Other apps' data about the customer (orders; scores, which are profiling) comes
    from the parts they register in EXPORT_PARTS, one key each."""
    return {
        "profile": _row(customer, PROFILE_EXPORT_FIELDS),
        "channel_ids": [_row(row, ("channel", "external_id", "created_at")) for row in customer.channel_ids.all()],
        "secondary_identifiers": [
            _row(row, ("kind", "value", "created_at")) for row in CustomerIdentifier.objects.filter(customer=customer)
        ],
        "consents": [
            _row(row, ("channel", "purpose", "is_granted", "source", "updated_at"))
            for row in CustomerConsent.objects.filter(customer=customer)
        ],
        "consent_history": [
            _row(row, ("channel", "purpose", "is_granted", "source", "created_at"))
            for row in ConsentEvent.objects.filter(customer=customer).order_by("created_at")
        ],
        "tags": [
            {"name": row.tag.name, "source": row.source, "created_at": _plain(row.created_at)}
            for row in CustomerTag.objects.filter(customer=customer).select_related("tag")
        ],
        "notes": [
            {"body": row.body, "author": str(row.author) if row.author else "", "created_at": _plain(row.created_at)}
            for row in CustomerNote.objects.filter(customer=customer).select_related("author").order_by("created_at")
        ],
        "merged_profiles": [
            {
                "customer_id": row.duplicate_id,
                "identifiers": row.duplicate_identifiers,
                "merged_at": _plain(row.created_at),
            }
            for row in CustomerMerge.objects.filter(survivor=customer)
        ],
        **{name: read(shop=shop, customer=customer) for name, read in EXPORT_PARTS.items()},
    }
