"""A CSV without a status column: the upload page asks which status its orders have
(completed unless staff choose otherwise), and the result says how many do not count."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.tenancy.context import shop_scope
from customers.models import Customer
from orders.models import ImportJob, Order
from orders.tasks import order_import_task
from tests.orders.csv_files import HEADER, ROWS, csv_write

NO_STATUS = [name for name in HEADER if name != "status"]
ROWS_WITHOUT_STATUS = [[cell for name, cell in zip(HEADER, row, strict=True) if name != "status"] for row in ROWS]


@pytest.fixture
def upload(settings, tmp_path, staff_client, shop, django_capture_on_commit_callbacks):
    settings.IMPORT_UPLOAD_ROOT = tmp_path / "uploads"
    content = csv_write(tmp_path / "orders.csv", ROWS_WITHOUT_STATUS, header=NO_STATUS).read_bytes()

    def send(**choices) -> ImportJob:
        form = {"file": SimpleUploadedFile("无状态.csv", content), "default_channel": "web", **choices}
        with django_capture_on_commit_callbacks() as callbacks:
            response = staff_client.post(reverse("orders:import", kwargs={"shop_slug": shop.slug}), form)
        with shop_scope(shop.pk):
            job = ImportJob.objects.order_by("-pk").first()
        if response.status_code == 302:
            assert len(callbacks) == 1
            with django_capture_on_commit_callbacks(execute=True):
                order_import_task(shop.pk, job.pk)
            with shop_scope(shop.pk):
                job.refresh_from_db()
        return response, job

    return send


def test_the_page_offers_completed_for_orders_without_a_status(staff_client, shop):
    page = staff_client.get(reverse("orders:import", kwargs={"shop_slug": shop.slug}))

    assert page.context["form"]["default_status"].initial == "completed"
    assert "Status of orders without one" in page.content.decode()


def test_orders_without_status_take_the_chosen_one_and_customers_count_them(upload, shop):
    response, job = upload(default_status="completed")

    assert response.status_code == 302 and (job.orders_created, job.orders_not_counted) == (2, 0)
    with shop_scope(shop.pk):
        assert set(Order.objects.values_list("status", flat=True)) == {"completed"}
        assert sorted(Customer.objects.values_list("orders_count", flat=True)) == [1, 1]


def test_pending_orders_are_reported_as_not_counting(upload, shop, staff_client):
    _response, job = upload(default_status="pending")

    assert job.orders_not_counted == 2
    page = staff_client.get(reverse("orders:import-job", kwargs={"shop_slug": shop.slug, "job_id": job.pk}))
    assert "2 orders are pending or cancelled: they do not count" in page.content.decode()


def test_an_unknown_status_is_refused_on_its_field(upload):
    response, job = upload(default_status="bogus")

    assert response.status_code == 200 and response.context["form"].errors["default_status"]
    assert job is None
