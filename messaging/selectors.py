"""Reads: the shop's messaging settings, the message log and its statistics, a customer's
messages."""

from collections import defaultdict
from urllib.parse import quote

from django.db.models import Count, QuerySet, Sum

from crm.models import Shop
from crm.tenancy.access import get_for_shop
from customers.models import Customer
from messaging.filters import MessageFilters
from messaging.models import Message, MessageStatus, MessagingSettings

TIMELINE_LENGTH = 50


def messaging_settings_get(*, shop: Shop) -> MessagingSettings:
    """The shop's settings row, or the defaults (unsaved) when it has none yet."""
    found = MessagingSettings.objects.filter(shop=shop).first()
    return found or MessagingSettings(shop=shop, sms_signature=shop.name[:20])


def storefront_url(*, shop: Shop, page: str, **values: str) -> str:
    """The shop's storefront page for an order (`page="order"`, order_number=...) or a coupon
    (`page="coupon"`, coupon_code=...), from its settings; "" when the shop has not set one
    (the message then goes without a short link)."""
    template = getattr(messaging_settings_get(shop=shop), f"{page}_url_template")
    return template.format(**{name: quote(str(value), safe="") for name, value in values.items()}) if template else ""


def messages_for_customer(shop: Shop, customer: Customer, limit: int = TIMELINE_LENGTH) -> list[Message]:
    """The customer's latest messages, newest first (the 360 timeline)."""
    assert customer.shop_id == shop.pk
    return list(Message.objects.filter(shop=shop, customer=customer).order_by("-created_at", "-pk")[:limit])


def message_list(*, shop: Shop, filters: MessageFilters) -> QuerySet:
    return Message.objects.filter(filters.condition(shop.tzinfo)).select_related("customer")


def message_get(*, shop: Shop, message_id: int) -> Message:
    """The same 404 for a missing message and another shop's."""
    return get_for_shop(Message, pk=message_id)


def message_stats_by_rule(*, shop: Shop, filters: MessageFilters) -> list[dict]:
    """Per rule: how many are queued (or sending), sent, skipped by reason, failed, unknown,
    and the clicks on their short links."""
    rows = (
        Message.objects.filter(filters.condition(shop.tzinfo))
        .values("rule", "status", "reason")
        .annotate(count=Count("pk"), clicks=Sum("clicks"))
        .order_by("rule")
    )
    stats: dict[str, dict] = defaultdict(lambda: {"queued": 0, "sent": 0, "skipped": {}, "failed": 0, "unknown": 0,
                                                  "clicks": 0})  # fmt: skip
    for row in rows:
        entry = stats[row["rule"]]
        entry["clicks"] += row["clicks"] or 0
        if row["status"] == MessageStatus.SKIPPED:
            entry["skipped"][row["reason"]] = entry["skipped"].get(row["reason"], 0) + row["count"]
        else:
            entry["queued" if row["status"] == MessageStatus.SENDING else row["status"]] += row["count"]
    return [{"rule": rule, **entry} for rule, entry in sorted(stats.items())]
