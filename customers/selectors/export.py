"""Everything the shop holds about one customer, as JSON-ready data (privacy export)."""

from django.forms.models import model_to_dict

from crm.models import Shop
from customers.models import ConsentEvent, Customer, CustomerConsent, CustomerMerge, CustomerNote, CustomerTag
from customers.selectors.overview import overview_sections_json, overview_sections_read
from orders.models import Order

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
    """Other apps' data about the customer (e.g. their scores, which are profiling) comes
    from the sections they register for the 360."""
    return {
        "profile": _row(customer, PROFILE_EXPORT_FIELDS),
        "channel_ids": [_row(row, ("channel", "external_id", "created_at")) for row in customer.channel_ids.all()],
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
        "orders": [_order(order) for order in _orders(customer)],
        **overview_sections_json(overview_sections_read(shop, customer)),
    }


def _orders(customer: Customer):
    return (
        Order.objects.filter(customer=customer)
        .prefetch_related("lines", "status_changes", "refunds__lines")
        .order_by("placed_at", "id")
    )


def _order(order: Order) -> dict:
    data = {name: _plain(value) for name, value in model_to_dict(order, exclude=("customer", "content_hash")).items()}
    data["lines"] = [
        _row(line, ("sku", "name", "category", "quantity", "unit_price", "line_total")) for line in order.lines.all()
    ]
    data["status_history"] = [
        _row(change, ("from_status", "to_status", "source", "changed_at")) for change in order.status_changes.all()
    ]
    data["refunds"] = [
        {**_row(refund, ("amount", "reason", "created_at")),
         "lines": [_row(line, ("sku", "quantity", "amount")) for line in refund.lines.all()]}
        for refund in order.refunds.all()
    ]  # fmt: skip
    return data
