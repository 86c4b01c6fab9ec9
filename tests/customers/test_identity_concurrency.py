"""Many webhooks for one new person at once end in exactly one customer (real threads,
committed data)."""

import pytest

from crm.tenancy.context import shop_scope
from customers.identity import customer_resolve, customers_resolve_bulk
from customers.models import Customer, CustomerChannelId
from tests.concurrency import run_in_threads
from tests.conftest import make_shop

THREADS = 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_for_one_new_phone_make_one_customer():
    shop = make_shop("identity-race", "owner@identity-race.example")

    def resolve(index: int) -> int:
        with shop_scope(shop.pk):
            return customer_resolve(
                shop=shop, channel="web", external_id=f"W{index}", phone="138 0013 8000", name="王芳"
            ).pk

    ids = run_in_threads(resolve, THREADS)
    assert len(set(ids)) == 1
    with shop_scope(shop.pk):
        assert Customer.objects.count() == 1
        assert CustomerChannelId.objects.filter(customer_id=ids[0]).count() == THREADS


@pytest.mark.django_db(transaction=True)
def test_concurrent_bulk_batches_sharing_new_people_converge():
    shop = make_shop("identity-race-bulk", "owner@identity-race-bulk.example")
    people = [{"channel": "web", "external_id": f"U{n}", "phone": f"+86138{n:08d}"} for n in range(50)]

    def resolve(index: int) -> list[int]:
        batch = people[index % 5 :] + people[: index % 5]  # different orders per thread
        with shop_scope(shop.pk):
            ids, _created = customers_resolve_bulk(shop=shop, identities=batch)
        return sorted(ids)

    results = run_in_threads(resolve, THREADS)
    assert all(result == results[0] for result in results)
    with shop_scope(shop.pk):
        assert Customer.objects.count() == 50
        assert CustomerChannelId.objects.count() == 50
