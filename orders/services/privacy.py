"""Erasure support for customers/: the personal data orders keep a copy of."""

from django.db import transaction
from django.utils import timezone

from crm.models import Shop
from crm.tenancy.context import require_shop_id
from orders.models import Order, OrderNote, Refund

# Recipient snapshot on the order; refund reasons and staff notes are free text and may name people.
# Amounts, items, dates and the shipping province/city stay, for analytics.
ORDER_PERSONAL_FIELDS = ("recipient_name", "recipient_phone", "shipping_address")


@transaction.atomic
def order_personal_data_erase(*, shop: Shop, customer_ids: list[int]) -> int:
    """Blank the personal fields of these customers' orders and refunds; returns the
    number of orders touched. Called by the customer erase service in its transaction.
    `content_hash` is left alone, so a storefront replaying an old payload is a no-op
    and does not bring the erased fields back."""
    assert shop.pk == require_shop_id(), "erase in the scope of the shop it names"
    orders = Order.objects.filter(customer_id__in=customer_ids)
    Refund.objects.filter(order__customer_id__in=customer_ids).exclude(reason="").update(reason="")
    OrderNote.objects.filter(order__customer_id__in=customer_ids).delete()
    return orders.update(**dict.fromkeys(ORDER_PERSONAL_FIELDS, ""), updated_at=timezone.now())
