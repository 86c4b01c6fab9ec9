"""What customers adds to the shop overview: customer imports that failed lately."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop
from crm.platform.jobs import JobStatus
from crm.platform.overview import Attention
from customers.models import CustomerImportJob

FAILED_IMPORT_DAYS = 7


def overview_failed_customer_imports(shop: Shop) -> list[Attention]:
    since = timezone.now() - timedelta(days=FAILED_IMPORT_DAYS)
    failed = CustomerImportJob.objects.filter(status=JobStatus.FAILED, created_at__gte=since).order_by("-created_at")
    return [
        Attention(
            text=_("The import of %(file)s failed: %(error)s") % {"file": job.file_name, "error": job.error_text},
            url=reverse("customers:import-job", kwargs={"shop_slug": shop.slug, "job_id": job.pk}),
            is_urgent=True,
        )
        for job in failed[:5]
    ]
