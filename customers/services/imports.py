"""The customer import page's durable job: the upload is stored under the shop's folder,
the Celery task runs `customers_import_file` (customers/csv_import.py, the same import as
`manage.py import_customers`) and the job row keeps the counts and rejects. The shared job
plumbing (claiming, retries, progress, upload files) is crm/jobs.py."""

from pathlib import Path

from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop, User
from crm.platform.csv_files import ImportFileError
from crm.platform.jobs import (
    JobFailed,
    JobStatus,
    job_enqueue_on_commit,
    job_progress_get,
    job_progress_report,
    job_run,
    job_upload_cleanup,
    job_upload_path,
    job_upload_store,
)
from customers.csv_import import CustomerImportResult, customers_import_file
from customers.models import CustomerImportJob

UPLOAD_KIND = "customers"
IMPORT_MAX_BYTES = 50 * 2**20  # an upload's cap: bigger files are split by the shop


@transaction.atomic
def customer_import_job_create(*, shop: Shop, upload, default_channel: str, created_by: User | None):
    """Store the uploaded file and queue its import (the row is the promise: crm/jobs.py)."""
    path = job_upload_store(shop_id=shop.pk, kind=UPLOAD_KIND, upload=upload)
    job = CustomerImportJob.objects.create(
        shop_id=shop.pk,
        file_name=Path(upload.name).name[:255],
        file_path=str(path),
        default_channel=default_channel,
        created_by=created_by,
    )
    job_enqueue_on_commit(job)
    return job


def customer_import_run(*, shop_id: int, job_id: int) -> CustomerImportJob | None:
    """The Celery task's body; None when there was nothing to do. The file is deleted once
    the job has ended (succeeded here, failed through the job kind's `on_failed`)."""
    return job_run(CustomerImportJob, shop_id=shop_id, job_id=job_id, work=_import_work)


def _import_work(job: CustomerImportJob) -> None:
    path = job_upload_path(job, UPLOAD_KIND)
    try:
        result = customers_import_file(shop=Shop.objects.get(pk=job.shop_id), path=path,
                                       default_channel=job.default_channel,
                                       progress=lambda result: _progress_publish(job, result))  # fmt: skip
    except ImportFileError as error:
        raise JobFailed(error.args[0]) from None  # the Reason itself, to show in the reader's language
    except OSError:
        raise JobFailed(_("The uploaded file could not be read.")) from None
    except (DataError, IntegrityError):
        raise JobFailed(_("The database refused the import; check the file's values.")) from None
    job.status, job.finished_at = JobStatus.SUCCEEDED, timezone.now()
    job.encoding, job.total_rows = result.encoding, result.rows
    job.created, job.matched, job.rejected, job.tagged = result.created, result.matched, result.rejected, result.tagged
    job.rejects = result.rejects
    job.save()
    transaction.on_commit(lambda: customer_import_cleanup(job))


def _progress_publish(job: CustomerImportJob, result: CustomerImportResult) -> None:
    progress = {"processed": result.created + result.matched + result.rejected, "total": result.rows}
    job_progress_report(CustomerImportJob, shop_id=job.shop_id, job_id=job.pk, progress=progress)


def customer_import_progress(job: CustomerImportJob) -> dict:
    """{"processed", "total"} for the page: live from the cache while running, final after."""
    if job.is_finished:
        return {"processed": job.total_rows, "total": job.total_rows}
    return job_progress_get(CustomerImportJob, shop_id=job.shop_id, job_id=job.pk) or {"processed": 0, "total": 0}


def customer_import_cleanup(job: CustomerImportJob) -> None:
    job_upload_cleanup(job)
