"""The upload page's import job: stored under the shop's folder, run by the real task."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.tenancy.context import ShopScopeError, shop_scope
from orders.models import ImportJob, ImportStatus, Order
from orders.services.imports import import_job_create, import_progress, orders_import_file
from orders.tasks import order_import_task
from orders.validation import MAX_LINES
from tests.orders.csv_files import ROWS, csv_write


@pytest.fixture
def upload_root(settings, tmp_path):
    settings.IMPORT_UPLOAD_ROOT = tmp_path / "uploads"
    return settings.IMPORT_UPLOAD_ROOT


def _queued_job(shop, tmp_path, django_capture_on_commit_callbacks, rows=ROWS):
    content = csv_write(tmp_path / "source.csv", rows, encoding="gbk").read_bytes()
    with shop_scope(shop.pk), django_capture_on_commit_callbacks() as callbacks:
        job = import_job_create(shop=shop, upload=SimpleUploadedFile("十月订单.csv", content), default_channel="app",
                                created_by=None)  # fmt: skip
    assert len(callbacks) == 1  # the task is enqueued only once the job row is committed
    return job


def test_task_imports_the_file_reports_and_deletes_it(shop, tmp_path, upload_root, django_capture_on_commit_callbacks):
    job = _queued_job(shop, tmp_path, django_capture_on_commit_callbacks)
    stored = job.file_path
    assert stored.startswith(str(upload_root / str(shop.pk) / "orders"))

    with django_capture_on_commit_callbacks(execute=True):
        order_import_task(shop.pk, job.pk)

    with shop_scope(shop.pk):
        job.refresh_from_db()
        assert (job.status, job.encoding, job.total_rows, job.processed_rows) == ("succeeded", "gb18030", 3, 3)
        assert (job.orders_created, job.rows_rejected, job.rejects) == (2, 0, [])
        assert import_progress(job) == {"processed": 3, "total": 3}
        assert set(Order.objects.values_list("channel", flat=True)) == {"web", "app"}
    assert not (tmp_path / stored).exists()


def test_progress_is_published_while_running(shop, tmp_path, upload_root, django_capture_on_commit_callbacks):
    job = _queued_job(shop, tmp_path, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=False):
        order_import_task(shop.pk, job.pk)
        # Until the task commits, the page sees the job as queued; the cache carries progress.
        assert job.status == ImportStatus.QUEUED
        assert import_progress(job) == {"processed": 3, "total": 3}


def test_a_second_delivery_does_nothing(shop, tmp_path, upload_root, django_capture_on_commit_callbacks):
    job = _queued_job(shop, tmp_path, django_capture_on_commit_callbacks)
    order_import_task(shop.pk, job.pk)

    order_import_task(shop.pk, job.pk)

    with shop_scope(shop.pk):
        assert ImportJob.objects.get().orders_created == 2
        assert Order.objects.count() == 2


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"order_id,total\nX,1\n", "customer_id"),
        # Excel's "Unicode text" export: UTF-16, neither UTF-8 nor GBK (it was an uncaught decode error).
        ("order_id,customer_id,placed_at,total\n".encode("utf-16"), "neither UTF-8 nor GBK"),
    ],
)
def test_a_bad_file_fails_the_job_with_a_reason(shop, tmp_path, upload_root, django_capture_on_commit_callbacks,
                                                content, reason):  # fmt: skip
    job = _queued_job(shop, tmp_path, django_capture_on_commit_callbacks)
    with open(job.file_path, "wb") as handle:
        handle.write(content)

    order_import_task(shop.pk, job.pk)

    with shop_scope(shop.pk):
        job.refresh_from_db()
        assert job.status == "failed"
        assert reason in job.error
        assert not Order.objects.exists()


def test_other_shops_task_cannot_run_this_shops_job(shop, other_shop, tmp_path, upload_root,
                                                    django_capture_on_commit_callbacks):  # fmt: skip
    job = _queued_job(shop, tmp_path, django_capture_on_commit_callbacks)

    order_import_task(other_shop.pk, job.pk)

    with shop_scope(shop.pk):
        assert ImportJob.objects.get().status == "queued"
        assert not Order.objects.exists()
    with shop_scope(other_shop.pk):
        assert not Order.objects.exists()


def test_task_refuses_to_run_without_a_shop():
    with pytest.raises(ShopScopeError, match="shop_id"):
        order_import_task(None, 1)


def _job_page(client, shop, job, language="en") -> str:
    url = reverse("orders:import-job", kwargs={"shop_slug": shop.slug, "job_id": job.pk})
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_a_cell_past_the_csv_limit_fails_the_job_with_a_reason_and_deletes_the_file(
    staff_client, shop, tmp_path, upload_root, django_capture_on_commit_callbacks
):
    job = _queued_job(shop, tmp_path, django_capture_on_commit_callbacks)
    long_name = "王" * 140_000  # past the csv module's 131,072-character cell limit
    csv_write(Path(job.file_path), [*ROWS, ["C3", "U3", "2026-10-03 09:00", "1.00", "", "", "", "", long_name]])

    with django_capture_on_commit_callbacks(execute=True):
        order_import_task(shop.pk, job.pk)

    with shop_scope(shop.pk):
        job.refresh_from_db()
        assert not Order.objects.exists()
    assert (job.status, job.attempts) == ("failed", 1)
    assert job.error == "Line 5 cannot be read as CSV: a cell is too long or a quote is never closed."
    assert not Path(job.file_path).exists()
    assert job.error in _job_page(staff_client, shop, job)
    # The worker wrote it in English; a Chinese reader gets it in Chinese, line number included.
    assert "第 5 行无法按 CSV 读取" in _job_page(staff_client, shop, job, "zh-hans")


def test_an_order_past_the_line_limit_is_refused_while_the_others_import(shop, tmp_path, in_shop):
    line = ["BIG", "U9", "2026-10-04 09:00", "1.00", "", "", "", "", "", "", "SKU-9", "x", "", "1", "1.00"]
    path = csv_write(tmp_path / "big.csv", [*ROWS, *[line] * (MAX_LINES + 200)])

    result = orders_import_file(shop=in_shop, path=path)

    assert (result.orders_created, result.orders_rejected, result.rows_rejected) == (2, 1, MAX_LINES + 200)
    detail = {"msgid": "At most %(limit)d lines.", "params": {"limit": MAX_LINES}}
    assert result.rejects == [
        {"line": 5, "order_id": "BIG", "field": "lines", "reason": "At most 500 lines.", "detail": detail}
    ]
    assert not Order.objects.filter(external_id="BIG").exists()


def test_rejects_and_failures_read_in_the_readers_language(staff_client, shop, tmp_path, upload_root,
                                                           django_capture_on_commit_callbacks):  # fmt: skip
    job = _queued_job(shop, tmp_path, django_capture_on_commit_callbacks)
    line = ["BIG", "U9", "2026-10-04 09:00", "1.00", "", "", "", "", "", "", "SKU-9", "x", "", "1", "1.00"]
    csv_write(Path(job.file_path), [*ROWS, *[line] * (MAX_LINES + 1)])

    with django_capture_on_commit_callbacks(execute=True):
        order_import_task(shop.pk, job.pk)

    assert f"At most {MAX_LINES} lines." in _job_page(staff_client, shop, job)
    assert f"最多 {MAX_LINES} 行。" in _job_page(staff_client, shop, job, "zh-hans")


def test_an_upload_over_the_cap_is_refused_and_nothing_is_stored(staff_client, shop, upload_root, monkeypatch):
    monkeypatch.setattr("orders.views.imports.IMPORT_MAX_BYTES", 2**20)
    url = reverse("orders:import", kwargs={"shop_slug": shop.slug})

    response = staff_client.post(url, {"file": SimpleUploadedFile("big.csv", b"x" * (2**20 + 1)),
                                       "default_channel": "web"})  # fmt: skip

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The file is larger than 1 MB; split it into smaller files."]
    with shop_scope(shop.pk):
        assert not ImportJob.objects.exists()
    assert not upload_root.exists()
