"""Celery tasks of orders/: thin adapters around one service each."""

import logging

from celery import shared_task
from django.db import OperationalError

from crm.models import Shop
from crm.tenancy.tasks import with_shop_scope

logger = logging.getLogger(__name__)


@shared_task(
    name="orders.import_run",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
@with_shop_scope
def order_import_task(shop_id: int, job_id: int) -> None:
    """Run one uploaded order CSV import (the job row says which file)."""
    # Imported here to break the services -> tasks -> services cycle (STYLE 7).
    from orders.models import ImportJob
    from orders.services.imports import order_import_run

    try:
        order_import_run(shop=Shop.objects.get(pk=shop_id), job_id=job_id)
    except ImportJob.DoesNotExist:
        # Not this shop's job (or deleted): nothing to do, and nothing to retry.
        logger.warning("orders.import_job_missing", extra={"shop_id": shop_id, "job_id": job_id})
