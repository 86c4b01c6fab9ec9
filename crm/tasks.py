from celery import shared_task
from django.contrib.sessions.backends.cached_db import SessionStore
from django.utils import timezone

from crm.models import Shop
from crm.platform.jobs import jobs_sweep_every_shop
from crm.shops.services import idempotency_records_purge
from crm.tenancy.tasks import with_shop_scope


@shared_task(name="crm.idempotency_records_purge")
@with_shop_scope
def idempotency_records_purge_task(shop_id: int) -> int:
    return idempotency_records_purge(shop=Shop.objects.get(pk=shop_id))


@shared_task(name="crm.idempotency_records_purge_dispatch")
def idempotency_records_purge_dispatch_task() -> None:
    """Beat entry point: one purge task per shop."""
    for shop_id in Shop.objects.values_list("pk", flat=True):
        idempotency_records_purge_task.delay(shop_id)


@shared_task(name="crm.jobs_sweep")
def jobs_sweep_task() -> int:
    """Beat entry point: nudge every shop's durable jobs that are due again (crm/platform/jobs.py);
    returns how many were nudged."""
    return jobs_sweep_every_shop(now=timezone.now())


@shared_task(name="crm.sessions_clear")
def sessions_clear_task() -> None:
    SessionStore.clear_expired()
