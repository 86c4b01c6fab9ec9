"""Celery adapters: JSON scalars in, shop scope around, one service call."""

from celery import shared_task
from django.utils import timezone

from crm.models import Shop
from crm.tenancy.tasks import with_shop_scope
from tickets.services import surveys_send_due, tickets_auto_close
from tickets.services.breaches import sla_breaches_scan


@shared_task(name="tickets.sla_breaches_scan", soft_time_limit=5 * 60, time_limit=6 * 60)
@with_shop_scope(atomic=False)
def sla_breaches_scan_task(shop_id: int) -> None:
    """One shop's scan: its notices commit before their emails go (tickets/services/breaches.py)."""
    sla_breaches_scan(shop=Shop.objects.get(pk=shop_id))


@shared_task(name="tickets.sla_breaches_scan_dispatch")
def sla_breaches_scan_dispatch_task() -> None:
    """Beat entry point: one scan per shop. Two scans of a shop at once are harmless (each
    notice is written once), so a late one needs no lock."""
    for shop_id in Shop.objects.values_list("pk", flat=True):
        sla_breaches_scan_task.delay(shop_id)


@shared_task(name="tickets.housekeeping")
@with_shop_scope
def tickets_housekeeping_task(shop_id: int) -> dict:
    """Send the surveys that are due and close the resolved tickets nobody answered; safe to
    run twice at once (both claim their rows)."""
    shop, now = Shop.objects.get(pk=shop_id), timezone.now()
    return {"surveys": surveys_send_due(shop=shop, now=now), "closed": tickets_auto_close(shop=shop, now=now)}


@shared_task(name="tickets.housekeeping_dispatch")
def tickets_housekeeping_dispatch_task() -> None:
    """Beat entry point: one housekeeping task per shop."""
    for shop_id in Shop.objects.values_list("pk", flat=True):
        tickets_housekeeping_task.delay(shop_id)
