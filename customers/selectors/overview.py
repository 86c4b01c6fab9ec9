"""The customer 360: profile, order stats, tags, notes, consent, channel ids, and the
sections other apps add (orders, scores; later tickets, coupons, messages) through
customers/registry.py, so customers/ never imports the apps that build on it."""

from crm.models import Shop
from customers.models import ConsentChannel, ConsentPurpose, Customer, CustomerConsent, CustomerNote, CustomerTag
from customers.registry import OVERVIEW_SECTIONS, OverviewSection

RECENT_NOTES = 20


def overview_sections_json(sections: list[tuple[OverviewSection, object]]) -> dict:
    """The API's form of the sections `customer_overview` read."""
    return {section.name: section.to_json(data) for section, data in sections}


def overview_sections_read(shop: Shop, customer: Customer) -> list[tuple[OverviewSection, object]]:
    return [(section, section.read(shop=shop, customer=customer)) for section in OVERVIEW_SECTIONS.values()]


def customer_stats(customer: Customer) -> dict:
    return {
        "orders_count": customer.orders_count,
        "total_spent": customer.total_spent,
        "average_order_value": customer.average_order_value,
        "first_order_at": customer.first_order_at,
        "last_order_at": customer.last_order_at,
        "refunds_count": customer.refunds_count,
        "refunded_amount": customer.refunded_amount,
        "net_spent": customer.total_spent - customer.refunded_amount,
    }


def customer_consent_state(customer: Customer) -> list[dict]:
    """Every (channel, purpose) pair, including ones never decided (= not granted)."""
    rows = {(row.channel, row.purpose): row for row in CustomerConsent.objects.filter(customer=customer)}
    state = []
    for channel in ConsentChannel.values:
        for purpose in ConsentPurpose.values:
            row = rows.get((channel, purpose))
            state.append({
                "channel": channel,
                "purpose": purpose,
                "is_granted": bool(row and row.is_granted),
                "source": row.source if row else "",
                "updated_at": row.updated_at if row else None,
            })  # fmt: skip
    return state


def customer_tags(customer: Customer) -> list[CustomerTag]:
    return list(
        CustomerTag.objects.filter(customer=customer).select_related("tag", "set_by_user").order_by("tag__name")
    )


def customer_notes(customer: Customer, limit: int = RECENT_NOTES) -> list[CustomerNote]:
    return list(
        CustomerNote.objects.filter(customer=customer).select_related("author").order_by("-created_at", "-id")[:limit]
    )


def customer_overview(*, shop: Shop, customer: Customer) -> dict:
    return {
        "customer": customer,
        "stats": customer_stats(customer),
        "tags": customer_tags(customer),
        "notes": customer_notes(customer),
        "consent": customer_consent_state(customer),
        "channel_ids": list(customer.channel_ids.order_by("channel", "external_id")),
        "sections": overview_sections_read(shop, customer),
    }
