"""The customer import page: upload, the durable job run by the real task, its page."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import Role
from crm.tenancy.context import shop_scope
from customers.models import Customer, CustomerImportJob
from customers.tasks import customer_import_task
from tests.conftest import make_user

CSV = ("phone,name,tags\n13800138001,张伟,VIP\nnot-a-phone,李娜,\n13800138002,王芳,VIP;新客\n").encode("gbk")


@pytest.fixture
def upload_root(settings, tmp_path):
    settings.IMPORT_UPLOAD_ROOT = tmp_path / "uploads"
    return settings.IMPORT_UPLOAD_ROOT


def url(shop, name, **kwargs):
    return reverse(f"customers:{name}", kwargs={"shop_slug": shop.slug, **kwargs})


def _upload(client, shop, content, callbacks_fixture, name="客户.csv"):
    with callbacks_fixture() as callbacks:
        response = client.post(url(shop, "import"), {"file": SimpleUploadedFile(name, content),
                                                      "default_channel": "web"})  # fmt: skip
    assert response.status_code == 302
    assert len(callbacks) == 1  # the task is nudged only once the job row commits
    with shop_scope(shop.pk):
        job = CustomerImportJob.objects.get()
    return response["Location"], job


def test_manager_imports_customers_and_sees_counts_and_rejects(client, shop, manager, upload_root,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    client.force_login(manager)
    location, job = _upload(client, shop, CSV, django_capture_on_commit_callbacks)
    assert Path(job.file_path).parent == upload_root / str(shop.pk) / "customers"
    waiting = client.get(location, {"partial": "1"})
    assert 'hx-trigger="every 1s"' in waiting.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        customer_import_task(shop.pk, job.pk)

    with shop_scope(shop.pk):
        job.refresh_from_db()
        assert set(Customer.objects.values_list("name", flat=True)) == {"张伟", "王芳"}
    assert (job.status, job.encoding, job.total_rows, job.created, job.rejected) == ("succeeded", "gb18030", 3, 2, 1)
    assert job.rejects[0]["line"] == 3 and job.rejects[0]["field"] == "phone"
    assert not Path(job.file_path).exists()
    page = client.get(location).content.decode()
    assert "hx-trigger" not in page
    assert "Rejected rows" in page and "<td>3</td>" in page and "<code>phone</code>" in page
    assert "3 of 3 rows processed" in page
    listing = client.get(url(shop, "import")).content.decode()
    assert "客户.csv" in listing


def test_customers_list_links_to_the_import_for_managers_only(client, shop, manager, agent):
    client.force_login(manager)
    assert url(shop, "import") in client.get(url(shop, "list")).content.decode()
    client.force_login(agent)
    assert url(shop, "import") not in client.get(url(shop, "list")).content.decode()


def test_agent_is_refused(client, shop, agent, upload_root):
    client.force_login(agent)

    assert client.get(url(shop, "import")).status_code == 403
    response = client.post(url(shop, "import"), {"file": SimpleUploadedFile("c.csv", CSV), "default_channel": "web"})
    assert response.status_code == 403
    with shop_scope(shop.pk):
        assert not CustomerImportJob.objects.exists()


def test_other_shops_manager_gets_404_and_the_job_is_unchanged(client, shop, other_shop, upload_root):
    with shop_scope(other_shop.pk):
        job = CustomerImportJob.objects.create(shop_id=other_shop.pk, file_name="bike.csv")
    client.force_login(make_user("manager@tea.example", Role.MANAGER, shop))

    assert client.get(url(shop, "import-job", job_id=job.pk)).status_code == 404
    assert client.get(url(shop, "import-job", job_id=job.pk), {"partial": "1"}).status_code == 404
    assert client.get(url(other_shop, "import-job", job_id=job.pk)).status_code == 404
    with shop_scope(other_shop.pk):
        job.refresh_from_db()
        assert (job.status, job.attempts, job.error) == ("queued", 0, "")


def test_a_file_neither_utf8_nor_gbk_fails_with_reason_and_is_deleted(
    client, shop, manager, upload_root, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    location, job = _upload(
        client, shop, b"phone,name\n13800138001,\xff\xfe\x80\x80\n", django_capture_on_commit_callbacks
    )

    with django_capture_on_commit_callbacks(execute=True):
        customer_import_task(shop.pk, job.pk)

    with shop_scope(shop.pk):
        job.refresh_from_db()
        assert not Customer.objects.exists()
    assert job.status == "failed" and "neither UTF-8 nor GBK" in job.error
    assert not Path(job.file_path).exists()
    page = client.get(location).content.decode()
    assert "neither UTF-8 nor GBK" in page and "hx-trigger" not in page
