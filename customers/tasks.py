"""Celery tasks of customers/: thin adapters around one service each."""

from celery import shared_task

from crm.tenancy.tasks import with_shop_scope
from customers.services.imports import customer_import_run


@shared_task(name="customers.import_run")
@with_shop_scope(atomic=False)
def customer_import_task(shop_id: int, job_id: int) -> None:
    """Run one uploaded customer CSV import (the job row says which file); safe to run twice."""
    customer_import_run(shop_id=shop_id, job_id=job_id)
