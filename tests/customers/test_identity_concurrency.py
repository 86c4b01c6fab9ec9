"""Many webhooks for one new person at once end in exactly one customer (real threads,
committed data)."""

import threading

import pytest
from django.db import connection

from crm.tenancy.context import shop_scope
from customers.identity import customer_resolve, customers_resolve_bulk
from customers.models import Customer, CustomerChannelId
from tests.conftest import make_shop

THREADS = 12


def run_in_threads(target) -> list:
    barrier, results, errors = threading.Barrier(THREADS), [None] * THREADS, []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except BaseException as error:  # noqa: BLE001  (re-raised in the main thread below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_for_one_new_phone_make_one_customer():
    shop = make_shop("identity-race", "owner@identity-race.example")

    def resolve(index: int) -> int:
        with shop_scope(shop.pk):
            return customer_resolve(
                shop=shop, channel="web", external_id=f"W{index}", phone="138 0013 8000", name="王芳"
            ).pk

    ids = run_in_threads(resolve)
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
            ids = customers_resolve_bulk(shop=shop, identities=batch)
        return sorted(ids)

    results = run_in_threads(resolve)
    assert all(result == results[0] for result in results)
    with shop_scope(shop.pk):
        assert Customer.objects.count() == 50
        assert CustomerChannelId.objects.count() == 50
