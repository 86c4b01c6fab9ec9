"""What every workload needs: Django set up against the dev database, dedicated bench
shops (slugs `bench-...`) emptied at the start of each run, and peak-memory readings.

The bench runs against the dev database `shopcrm` as the app role, inside each bench
shop's scope, so row-level security applies as in production; emptying a shop deletes
its rows from every tenant table except memberships and API keys.
"""

import os
import resource
import sys
import time
from contextlib import contextmanager

import django

KEEP_TABLES = {"crm_membership", "crm_apikey"}


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.dev")
    os.environ.setdefault("DEBUG", "0")  # DEBUG keeps every query in memory
    django.setup()


def bench_size() -> str:
    size = os.environ.get("BENCH_SIZE", "full")
    if size not in ("small", "full"):
        raise SystemExit(f"BENCH_SIZE must be small or full, not {size!r}")
    return size


def bench_shop(slug: str):
    """The bench shop `slug` (created with an owner on first use), emptied."""
    from crm.models import Shop
    from crm.services import shop_create, user_get_or_create

    assert slug.startswith("bench-"), "bench shops are named bench-..."
    shop = Shop.objects.filter(slug=slug).first()
    if shop is None:
        owner, _ = user_get_or_create(email=f"owner@{slug}.bench.test", password=None, full_name="Bench")
        shop = shop_create(slug=slug, name=slug, owner=owner)
    bench_shop_empty(shop)
    return shop


def bench_shop_empty(shop) -> None:
    from django.db import connection

    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'shop_id' AND table_name <> ALL(%s)",
            [sorted(KEEP_TABLES)],
        )
        # Every foreign key is deferred to commit, so the order of deletes does not matter.
        for (table,) in cursor.fetchall():
            cursor.execute(f'DELETE FROM "{table}" WHERE shop_id = %s', [shop.pk])  # noqa: S608 (catalog names)
        cursor.execute("SELECT 1")


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timed(label: str, into: dict):
    start = time.perf_counter()
    yield
    into[label] = round(time.perf_counter() - start, 3)
    print(f"  {label}: {into[label]:.2f}s", file=sys.stderr, flush=True)
