from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from crm.jobs import JobKind, job_kind_register
        from orders.models import ImportJob
        from orders.services.imports import import_job_cleanup
        from orders.tasks import order_import_task

        job_kind_register(JobKind(model=ImportJob, task=order_import_task, on_failed=import_job_cleanup))
