"""Reads: the shop's messaging settings and a customer's messages."""

from crm.models import Shop
from customers.models import Customer
from messaging.models import Message, MessagingSettings

TIMELINE_LENGTH = 50


def messaging_settings_get(*, shop: Shop) -> MessagingSettings:
    """The shop's settings row, or the defaults (unsaved) when it has none yet."""
    found = MessagingSettings.objects.filter(shop=shop).first()
    return found or MessagingSettings(shop=shop, sms_signature=shop.name[:20])


def messages_for_customer(shop: Shop, customer: Customer, limit: int = TIMELINE_LENGTH) -> list[Message]:
    """The customer's latest messages, newest first (the 360 timeline)."""
    assert customer.shop_id == shop.pk
    return list(Message.objects.filter(shop=shop, customer=customer).order_by("-created_at", "-pk")[:limit])
