"""Short links: `/r/<code>` leads to the message's storefront URL and counts the click."""

from django.db.models import F

from messaging.models import Message


def short_link_follow(*, code: str) -> str | None:
    """In the shop's scope: the target of `code` after counting the click; None if unknown."""
    target = Message.objects.filter(short_code=code).values_list("link_url", flat=True).first()
    if target:
        Message.objects.filter(short_code=code).update(clicks=F("clicks") + 1)
    return target or None
