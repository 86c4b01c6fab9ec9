"""The shop overview's "needs attention": messages that failed or whose outcome is unknown."""

from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from crm.models import Shop
from crm.platform.overview import Attention
from messaging.models import Message, MessageStatus

ATTENTION_DAYS = 7


def overview_undelivered_messages(shop: Shop) -> list[Attention]:
    since = timezone.now() - timedelta(days=ATTENTION_DAYS)
    counts = dict(
        Message.objects.filter(status__in=(MessageStatus.FAILED, MessageStatus.UNKNOWN), created_at__gte=since)
        .values_list("status").annotate(count=Count("pk")).values_list("status", "count")
    )  # fmt: skip
    log = reverse("messaging:log", kwargs={"shop_slug": shop.slug})
    after = (timezone.localdate(since, shop.tzinfo)).isoformat()
    texts = {
        MessageStatus.FAILED: lambda count: ngettext(
            "%(count)d message failed in the last 7 days", "%(count)d messages failed in the last 7 days", count
        ),
        MessageStatus.UNKNOWN: lambda count: ngettext(
            "%(count)d message may or may not have reached its customer (unknown); check and send again by hand",
            "%(count)d messages may or may not have reached their customers (unknown); check and send again by hand",
            count,
        ),
    }
    return [
        Attention(text=texts[status](count) % {"count": count},
                  url=f"{log}?{urlencode({'status': status, 'created_after': after})}", is_urgent=True)
        for status, count in sorted(counts.items())
    ]  # fmt: skip
