"""Celery tasks of orders/: thin adapters around one service each."""

from celery import shared_task

from crm.tenancy.tasks import with_shop_scope
from orders.services.imports import order_import_run


@shared_task(name="orders.import_run")
@with_shop_scope(atomic=False)
def order_import_task(shop_id: int, job_id: int) -> None:
    """Run one uploaded order CSV import (the job row says which file); safe to run twice."""
    order_import_run(shop_id=shop_id, job_id=job_id)
