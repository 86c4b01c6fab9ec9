"""Demo extras on top of the customers the order seed created: tags, notes, consent,
birthdays in the coming two weeks and a few real duplicate pairs to merge.
Idempotent: running it again changes nothing."""

from datetime import timedelta

from django.utils import timezone

from crm.models import Membership, Role, Shop
from customers.models import Customer, CustomerNote, Tag
from customers.services import (
    customer_consent_set,
    customer_create,
    customer_note_add,
    customer_targeting_refusal_set,
    customer_update,
    customers_tag,
    tag_save,
)

DEMO_TAGS = {"VIP": "#dc2626", "老客户": "#16a34a", "投诉过": "#f59e0b", "新客": "#2563eb"}
DEMO_NOTES = (
    "电话回访：对上次的龙井很满意，希望有新茶时通知。",
    "Prefers delivery after 6 pm; leave at the front desk.",
    "投诉过一次包装破损，已补发，客户表示理解。",
)


def demo_customer_extras_seed(*, shop: Shop) -> None:
    tags = {name: Tag.objects.filter(name=name).first() or tag_save(shop=shop, name=name, color=color)
            for name, color in DEMO_TAGS.items()}  # fmt: skip
    live = Customer.objects.filter(merged_into__isnull=True)
    top = list(live.order_by("-total_spent", "pk").values_list("pk", flat=True)[: max(1, live.count() // 10)])
    customers_tag(shop=shop, tag=tags["VIP"], customer_ids=top, source="demo")
    customers_tag(
        shop=shop,
        tag=tags["老客户"],
        customer_ids=list(live.filter(orders_count__gte=3).values_list("pk", flat=True)),
        source="demo",
    )
    customers_tag(
        shop=shop,
        tag=tags["新客"],
        customer_ids=list(live.filter(orders_count=1).values_list("pk", flat=True)[:50]),
        source="demo",
    )
    ids = list(live.order_by("pk").values_list("pk", flat=True))
    customers_tag(shop=shop, tag=tags["投诉过"], customer_ids=ids[::17], source="demo")
    if not Customer.objects.filter(birthday__isnull=False).exists():
        _birthdays_seed(shop, list(live.filter(orders_count__gte=2).order_by("pk")[:12]))
        _duplicates_seed(shop, list(live.filter(orders_count__gte=2).order_by("-pk")[:3]))
    _notes_seed(shop, top[:5])
    _consents_seed(shop, live.order_by("pk")[:60])


def _birthdays_seed(shop: Shop, customers: list[Customer]) -> None:
    """Birthdays spread over the next two weeks (shop time), born 1975-2000."""
    today = timezone.localdate(timezone=shop.tzinfo)
    for index, customer in enumerate(customers):
        day = today + timedelta(days=1 + index)
        year = 1975 + (index * 7) % 26
        birthday = day.replace(year=year, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=year)
        customer_update(shop=shop, customer=customer, data={"birthday": birthday})


def _duplicates_seed(shop: Shop, customers: list[Customer]) -> None:
    """Three people entered twice, each pair found by another duplicate signal: same name
    and birthday, same name and city, same email name on another domain."""
    signals = (
        {"birthday": timezone.localdate(timezone=shop.tzinfo).replace(year=1988, month=5, day=20)},
        {"province": "浙江省", "city": "杭州市"},
        {},
    )
    for index, (customer, shared) in enumerate(zip(customers, signals, strict=False)):
        customer_update(shop=shop, customer=customer, data=shared)
        twin = {"name": customer.name, "channel": "offline", **shared}
        if not shared and customer.email:
            twin["email"] = customer.email.split("@")[0] + "@foxmail.com"
        elif not shared:
            continue
        twin["phone"] = f"1390000{index:04d}"
        customer_create(shop=shop, data=twin)


def _notes_seed(shop: Shop, customer_ids: list[int]) -> None:
    author = Membership.objects.filter(role=Role.MANAGER).select_related("user").first()
    for index, customer in enumerate(Customer.objects.filter(pk__in=customer_ids).order_by("pk")):
        body = DEMO_NOTES[index % len(DEMO_NOTES)]
        if not CustomerNote.objects.filter(customer=customer, body=body).exists():
            customer_note_add(shop=shop, customer=customer, author=author.user if author else None, body=body)


def _consents_seed(shop: Shop, customers) -> None:
    for index, customer in enumerate(customers):
        if customer.phone:
            customer_consent_set(
                shop=shop, customer=customer, channel="sms", purpose="care", is_granted=True, source="checkout"
            )
            if index % 2 == 0:
                customer_consent_set(
                    shop=shop,
                    customer=customer,
                    channel="sms",
                    purpose="marketing",
                    is_granted=index % 4 == 0,
                    source="checkout",
                )
        if customer.email and index % 3 == 0:
            customer_consent_set(
                shop=shop, customer=customer, channel="email", purpose="marketing", is_granted=True, source="newsletter"
            )
        if index % 20 == 7:
            customer_targeting_refusal_set(shop=shop, customer=customer, is_refused=True, source="app-settings")
