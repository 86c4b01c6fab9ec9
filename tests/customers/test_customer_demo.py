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
