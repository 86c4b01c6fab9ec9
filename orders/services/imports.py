"""CSV import of orders: the `import_orders` command and the upload page's Celery task.

Streaming in two passes, so memory stays flat however large the file is and however its
rows are ordered (the rows of one order need not be contiguous):
1. the file is read once to detect its encoding, then parsed row by row and COPYed in
   chunks into a session temp table (line number + the raw cells);
2. a server-side cursor reads that table back ORDER BY order_id, line number, so each
   order's rows arrive together; each order becomes the API's JSON payload and goes, 1,000
   at a time, through `orders_ingest_bulk` — the same validation and writer as the API.
Rejected orders are reported with their file line numbers; an identical re-import writes
nothing. Progress goes to the cache (the task's transaction hides row updates until commit).
"""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.models import Shop, User
from crm.platform.csv_files import ImportFileError, encoding_detect
from crm.platform.jobs import (
    JobFailed,
    job_enqueue_on_commit,
    job_progress_get,
    job_progress_report,
    job_run,
    job_upload_cleanup,
    job_upload_path,
    job_upload_store,
)
from crm.platform.reasons import Reason, reason_detail
from crm.platform.text import text_problem
from crm.tenancy.context import require_shop_id
from orders.csv_format import COLUMNS, error_line, header_columns, order_payload, row_values
from orders.models import ChangeSource, ImportJob, ImportStatus, OrderStatus
from orders.services.bulk.copy_text import copy_rows
from orders.services.ingest import MAX_BATCH, orders_ingest_bulk
from orders.validation import MAX_LINES

STAGE_CHUNK = 10_000
FETCH_CHUNK = 5_000
MAX_REJECTS = 1_000
IMPORT_MAX_BYTES = 50 * 2**20  # an upload's cap: bigger files are split by the shop
_STAGE_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS orders_import_rows (line_number int, "
    + ", ".join(f"{column} text" for column in COLUMNS)
    + "); TRUNCATE orders_import_rows"
)


@dataclass
class ImportResult:
    encoding: str = ""
    total_rows: int = 0
    processed_rows: int = 0
    rows_rejected: int = 0
    orders_created: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    orders_rejected: int = 0
    # Imported orders whose status does not count towards customers' orders and spend.
    orders_not_counted: int = 0
    rejects: list[dict] = field(default_factory=list)

    def reject(self, *, line: int, order_id: str, field_name: str, reason: str, rows: int) -> None:
        self.rows_rejected += rows
        if len(self.rejects) < MAX_REJECTS:
            self.rejects.append(
                {"line": line, "order_id": order_id, "field": field_name, "reason": reason,
                 "detail": reason_detail(reason)}
            )  # fmt: skip


Progress = Callable[[ImportResult], None]


def orders_import_file(
    *,
    shop: Shop,
    path: Path,
    default_channel: str = "web",
    default_status: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one order CSV in the caller's shop scope and transaction. Rows without a
    status take `default_status` (the ingest's own default, pending, when None)."""
    assert shop.pk == require_shop_id(), "import in the scope of the shop it names"
    result = ImportResult(encoding=encoding_detect(path))
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_DDL)
        _stage_rows(cursor, path, result)
    if progress:
        progress(result)
    batch: list[tuple[dict, list[int], list[int]]] = []
    for order in _orders_from_stage():
        item = _order_item(order, default_channel, default_status, result)
        if item is not None:
            batch.append(item)
        if len(batch) == MAX_BATCH:
            _ingest(shop, batch, result, progress)
            batch = []
    if batch:
        _ingest(shop, batch, result, progress)
    return result


def _stage_rows(cursor, path: Path, result: ImportResult) -> None:
    with open(path, encoding=result.encoding, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise ImportFileError(_("The file is empty."))
        positions = header_columns(header)
        chunk = []
        for row in _csv_rows(reader):
            if not any(cell.strip() for cell in row):
                continue  # blank lines, common at the end of spreadsheet exports
            result.total_rows += 1
            cells = row_values(row, positions)
            line = reader.line_num
            if "\x00" in "".join(cells):
                # PostgreSQL text cannot hold NUL (crm.platform.text): the row is recorded as the reject,
                # staged without it, and marked by a negative line number so its whole order is refused.
                cells = _nul_row_reject(cells, line, result)
                line = -line
            chunk.append((line, *cells))
            if len(chunk) == STAGE_CHUNK:
                copy_rows(cursor, "orders_import_rows", ("line_number", *COLUMNS), chunk)
                chunk = []
        copy_rows(cursor, "orders_import_rows", ("line_number", *COLUMNS), chunk)


def _csv_rows(reader) -> Iterator[list[str]]:
    """The reader's rows; a file the csv module cannot parse (a cell over its 131,072
    character limit, a NUL in a quoted cell) is refused with the line where it broke."""
    try:
        yield from reader
    except csv.Error:
        raise ImportFileError(
            Reason(
                gettext_noop("Line %(line)d cannot be read as CSV: a cell is too long or a quote is never closed."),
                line=reader.line_num,
            )
        ) from None


def _nul_row_reject(cells: list[str], line: int, result: ImportResult) -> list[str]:
    column = next(name for name, cell in zip(COLUMNS, cells, strict=True) if "\x00" in cell)
    cells = [cell.replace("\x00", "") for cell in cells]
    order_id = cells[COLUMNS.index("order_id")]
    result.reject(line=line, order_id=order_id, field_name=column, reason=text_problem("\x00"), rows=0)
    return cells


@dataclass
class _OrderRows:
    """One order's rows, at most MAX_LINES + 1 of them held: the rows past that are only
    counted, so one huge order cannot fill the worker's memory."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    dropped: int = 0

    def add(self, line_number: int, values: dict[str, str]) -> None:
        if len(self.rows) > MAX_LINES:
            self.dropped += 1
        else:
            self.rows.append((line_number, values))


def _orders_from_stage() -> Iterator[_OrderRows]:
    """Each order's rows together, from a server-side cursor (never the whole file)."""
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(
            f"SELECT line_number, {', '.join(COLUMNS)} FROM orders_import_rows ORDER BY order_id, line_number"
        )
        current_id, order = None, _OrderRows()
        while chunk := cursor.fetchmany(FETCH_CHUNK):
            for line_number, *cells in chunk:
                values = dict(zip(COLUMNS, cells, strict=True))
                if values["order_id"] != current_id and order.rows:
                    yield order
                    order = _OrderRows()
                current_id = values["order_id"]
                order.add(line_number, values)
        if order.rows:
            yield order
    finally:
        cursor.close()


def _order_item(order: _OrderRows, default_channel: str, default_status: str | None, result: ImportResult):
    rows = order.rows
    if len(rows) > MAX_LINES:
        count = len(rows) + order.dropped
        result.processed_rows += count
        result.orders_rejected += 1
        reason = Reason(gettext_noop("At most %(limit)d lines."), limit=MAX_LINES)
        result.reject(line=rows[0][0], order_id=rows[0][1]["order_id"], field_name="lines", reason=reason, rows=count)
        return None
    if any(line_number < 0 for line_number, _values in rows):  # a row held NUL (its reject is recorded)
        result.processed_rows += len(rows)
        result.rows_rejected += len(rows)
        result.orders_rejected += 1
        return None
    lines = [line_number for line_number, _values in rows]
    order_id = rows[0][1]["order_id"]
    if not order_id:
        result.processed_rows += len(rows)
        for line_number in lines:
            result.reject(line=line_number, order_id="", field_name="order_id", reason=_("This field is required."),
                          rows=1)  # fmt: skip
        return None
    payload, errors, line_rows = order_payload(rows, default_channel)
    if default_status and not payload["status"]:
        payload["status"] = default_status
    if errors:
        result.processed_rows += len(rows)
        result.orders_rejected += 1
        field_name, reasons = next(iter(errors.items()))
        result.reject(line=lines[0], order_id=order_id, field_name=field_name, reason=reasons[0], rows=len(rows))
        return None
    return payload, lines, line_rows


def _ingest(shop: Shop, batch: list, result: ImportResult, progress: Progress | None) -> None:
    outcomes = orders_ingest_bulk(shop=shop, items=[payload for payload, _, _ in batch], source=ChangeSource.IMPORT)
    for (payload, lines, line_rows), outcome in zip(batch, outcomes, strict=True):
        result.processed_rows += len(lines)
        if outcome["result"] == "error":
            result.orders_rejected += 1
            line = error_line(outcome["field"], lines, line_rows)
            result.reject(line=line, order_id=payload["external_id"], field_name=outcome["field"],
                          reason=outcome["reason"], rows=len(lines))  # fmt: skip
        else:
            counter = f"orders_{outcome['result']}"
            setattr(result, counter, getattr(result, counter) + 1)
            result.orders_not_counted += (payload["status"] or OrderStatus.PENDING) not in OrderStatus.counted()
    if progress:
        progress(result)


# --- the upload page's job -------------------------------------------------------------
@transaction.atomic
def import_job_create(
    *, shop: Shop, upload, default_channel: str, default_status: str = "", created_by: User | None
) -> ImportJob:
    """Store the uploaded file under the shop's own folder and queue its import (the job
    row is the promise: the beat sweeper runs it if the task message is lost)."""
    path = job_upload_store(shop_id=shop.pk, kind="orders", upload=upload)
    job = ImportJob.objects.create(
        shop_id=shop.pk,
        file_name=Path(upload.name).name[:255],
        file_path=str(path),
        default_channel=default_channel,
        default_status=default_status,
        created_by=created_by,
    )
    job_enqueue_on_commit(job)
    return job


def order_import_run(*, shop_id: int, job_id: int) -> ImportJob | None:
    """Run a queued import job (the Celery task's body); None when there was nothing to do
    (finished, or another worker has it). The import and the job's outcome commit
    together; a failure the file explains ends the job failed at once, anything else is
    retried a few times (crm/platform/jobs.py). The file is deleted once the job has ended."""
    return job_run(ImportJob, shop_id=shop_id, job_id=job_id, work=_import_work)


def _import_work(job: ImportJob) -> None:
    path = job_upload_path(job, "orders")
    try:
        result = orders_import_file(shop=Shop.objects.get(pk=job.shop_id), path=path,
                                    default_channel=job.default_channel, default_status=job.default_status or None,
                                    progress=lambda result: _progress_publish(job, result))  # fmt: skip
    except ImportFileError as error:
        raise JobFailed(error.args[0]) from None  # the Reason itself, to show in the reader's language
    except OSError:
        raise JobFailed(_("The uploaded file could not be read.")) from None
    except (DataError, IntegrityError):
        raise JobFailed(_("The database refused the import; check the file's values.")) from None
    job.status, job.finished_at = ImportStatus.SUCCEEDED, timezone.now()
    _job_fill(job, result)
    job.save()
    transaction.on_commit(lambda: import_job_cleanup(job))


def _job_fill(job: ImportJob, result: ImportResult) -> None:
    for name in ("encoding", "total_rows", "processed_rows", "rows_rejected", "orders_created", "orders_updated",
                 "orders_unchanged", "orders_rejected", "orders_not_counted", "rejects"):  # fmt: skip
        setattr(job, name, getattr(result, name))


def _progress_publish(job: ImportJob, result: ImportResult) -> None:
    progress = {"processed": result.processed_rows, "total": result.total_rows}
    job_progress_report(ImportJob, shop_id=job.shop_id, job_id=job.pk, progress=progress)


def import_progress(job: ImportJob) -> dict:
    """{"processed", "total"} for the page: live from the cache while running, final after."""
    if job.is_finished:
        return {"processed": job.processed_rows, "total": job.total_rows}
    return job_progress_get(ImportJob, shop_id=job.shop_id, job_id=job.pk) or {"processed": 0, "total": 0}


def import_job_cleanup(job: ImportJob) -> None:
    """The uploaded file holds personal data: it goes as soon as the job has ended, however."""
    job_upload_cleanup(job)
