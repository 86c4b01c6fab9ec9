"""The customer 360: profile, order stats, tags, notes, consent, channel ids, and
sections other apps add (tickets, coupons, messages, scores) via `overview_section`."""

from collections.abc import Callable

from crm.models import Shop
from customers.models import ConsentChannel, ConsentPurpose, Customer, CustomerConsent, CustomerNote, CustomerTag

RECENT_NOTES = 20
_SECTIONS: dict[str, Callable[[Shop, Customer], object]] = {}


def overview_section(name: str) -> Callable:
    """Register `func(shop, customer) -> JSON-ready data` as a 360 section (call it from
    the contributing app's AppConfig.ready)."""

    def register(func: Callable[[Shop, Customer], object]) -> Callable:
        _SECTIONS[name] = func
        return func

    return register


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
        "sections": {name: func(shop, customer) for name, func in _SECTIONS.items()},
    }
