from customers.demo import demo_customer_extras_seed
from customers.models import ConsentEvent, Customer, CustomerNote, CustomerTag, Tag
from tests.customers.factories import CustomerFactory


def counts() -> tuple:
    return (
        Tag.objects.count(),
        CustomerTag.objects.count(),
        CustomerNote.objects.count(),
        ConsentEvent.objects.count(),
    )


def test_demo_extras_are_idempotent(shop, in_shop, manager):
    customers = CustomerFactory.create_batch(30, shop=shop)
    Customer.objects.filter(pk__in=[item.pk for item in customers[:10]]).update(orders_count=3, total_spent=900)
    demo_customer_extras_seed(shop=shop)
    first = counts()
    assert all(first)
    demo_customer_extras_seed(shop=shop)
    assert counts() == first


def test_demo_has_birthdays_in_the_next_two_weeks_and_duplicate_pairs_to_merge(shop, in_shop, manager):
    from datetime import timedelta

    from django.utils import timezone

    from customers.selectors import customer_duplicate_candidates

    customers = CustomerFactory.create_batch(20, shop=shop)
    Customer.objects.filter(pk__in=[item.pk for item in customers]).update(orders_count=2, total_spent=500)
    demo_customer_extras_seed(shop=shop)

    today = timezone.localdate(timezone=shop.tzinfo)
    soon = {(today + timedelta(days=offset)).strftime("%m-%d") for offset in range(1, 15)}
    birthdays = [
        day.strftime("%m-%d") for day in Customer.objects.exclude(birthday=None).values_list("birthday", flat=True)
    ]
    assert sum(day in soon for day in birthdays) >= 10
    twins = Customer.objects.filter(source_channel="offline")
    reasons = {
        reason for twin in twins for _other, found in customer_duplicate_candidates(customer=twin) for reason in found
    }
    assert {"same_name_birthday", "same_name_city", "same_email_local"} <= reasons
