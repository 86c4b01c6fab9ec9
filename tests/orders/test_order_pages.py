"""Staff pages: list, detail, export, import upload and progress; cross-shop 404s."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import Role
from crm.tenancy.context import shop_scope
from orders.models import ImportJob, Order
from orders.services import order_upsert, refund_create
from tests.conftest import make_user
from tests.orders.csv_files import ROWS, csv_write
from tests.orders.payloads import ISSUE_ORDER, order_payload


@pytest.fixture
def orders(shop):
    with shop_scope(shop.pk):
        order, _ = order_upsert(shop=shop, data=ISSUE_ORDER)
        refund_create(shop=shop, order_id=order.pk, data={"amount": "10.00", "reason": "少发一件"})
        for index in range(3):
            order_upsert(shop=shop, data=order_payload(f"P{index}", status="pending",
                                                       placed_at=f"2026-09-0{index + 1}T10:00:00+08:00"))  # fmt: skip
    return order


def url(shop, name, **kwargs):
    return reverse(f"orders:{name}", kwargs={"shop_slug": shop.slug, **kwargs})


def test_list_filters_search_and_pages(staff_client, shop, orders, django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr("orders.views.listing.PAGE_SIZE", 2)
    # Login, membership, scope and the shop switcher take 21 queries; the orders are one.
    with django_assert_max_num_queries(22):
        page = staff_client.get(url(shop, "list"))

    assert page.status_code == 200
    assert [o.external_id for o in page.context["orders"]] == ["A1001", "P2"]
    second = staff_client.get(url(shop, "list") + page.context["next_url"])
    assert [o.external_id for o in second.context["orders"]] == ["P1", "P0"]
    assert [o.external_id for o in staff_client.get(url(shop, "list"), {"q": "P1"}).context["orders"]] == ["P1"]
    assert staff_client.get(url(shop, "list"), {"status": "bogus"}).context["error"]
    assert "Export CSV" in page.content.decode()


def test_detail_shows_lines_history_and_refunds(staff_client, shop, orders):
    page = staff_client.get(url(shop, "detail", key=orders.pk))

    assert page.status_code == 200
    html = page.content.decode()
    assert "保温杯" in html and "少发一件" in html
    assert page.context["refundable"] == orders.total - 10
    # Times are shown in the shop's time zone (Asia/Shanghai), as placed.
    assert "2026-11-01 10:00" in html


def test_export_streams_the_filtered_orders_in_the_import_layout(staff_client, shop, orders):
    response = staff_client.get(url(shop, "export"), {"status": "partially_refunded"})

    body = b"".join(response.streaming_content).decode()
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("order_id,customer_id,placed_at,total")
    assert len(lines) == 2 and lines[1].startswith("A1001,U77,2026-11-01 10:00:00,98.00")


def test_exported_file_imports_back(staff_client, shop, orders, tmp_path):
    from orders.services.imports import orders_import_file

    body = b"".join(staff_client.get(url(shop, "export")).streaming_content)
    path = tmp_path / "export.csv"
    path.write_bytes(body)
    with shop_scope(shop.pk):
        result = orders_import_file(shop=shop, path=path)

    assert (result.orders_rejected, result.orders_created) == (0, 0)
    assert result.orders_unchanged + result.orders_updated == 4


def test_import_upload_creates_a_job_and_shows_progress(staff_client, shop, tmp_path, settings,
                                                        django_capture_on_commit_callbacks):  # fmt: skip
    settings.IMPORT_UPLOAD_ROOT = tmp_path / "uploads"
    content = csv_write(tmp_path / "orders.csv", ROWS).read_bytes()

    with django_capture_on_commit_callbacks() as callbacks:
        form = {
            "file": SimpleUploadedFile("orders.csv", content),
            "default_channel": "web",
            "default_status": "completed",
        }
        response = staff_client.post(url(shop, "import"), form)

    assert response.status_code == 302
    assert len(callbacks) == 1
    with shop_scope(shop.pk):
        job = ImportJob.objects.get()
    page = staff_client.get(response["Location"])
    partial = staff_client.get(response["Location"], {"partial": "1"})
    assert page.status_code == partial.status_code == 200
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    assert job.file_name in page.content.decode()


def test_import_rejects_non_csv_upload(staff_client, shop):
    response = staff_client.post(url(shop, "import"), {"file": SimpleUploadedFile("x.exe", b"MZ"),
                                                       "default_channel": "web"})  # fmt: skip

    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_agents_see_orders_but_cannot_import_or_export(client, shop, orders):
    client.force_login(make_user("agent@tea.example", Role.AGENT, shop))

    assert client.get(url(shop, "list")).status_code == 200
    assert client.get(url(shop, "import")).status_code == 403
    assert client.get(url(shop, "export")).status_code == 403


def test_other_shops_staff_get_404_everywhere(client, shop, other_shop, orders, tmp_path):
    with shop_scope(shop.pk):
        job = ImportJob.objects.create(shop_id=shop.pk, file_name="x.csv")
    client.force_login(make_user("owner@bike.example"))

    for name, kwargs in [("list", {}), ("detail", {"key": orders.pk}), ("export", {}), ("import", {}),
                         ("import-job", {"job_id": job.pk})]:  # fmt: skip
        assert client.get(url(shop, name, **kwargs)).status_code == 404, name
    # Their own shop's URLs do not reach this shop's rows either.
    assert client.get(url(other_shop, "detail", key=orders.pk)).status_code == 404
    assert client.get(url(other_shop, "import-job", job_id=job.pk)).status_code == 404
    with shop_scope(shop.pk):
        assert Order.objects.count() == 4


def test_export_neutralises_formulas_and_imports_back_unchanged(staff_client, shop, tmp_path):
    from orders.services.imports import orders_import_file

    with shop_scope(shop.pk):
        order_upsert(shop=shop, data=order_payload(
            "F1", customer={"external_id": "=cmd|' /C calc'!A0", "name": "@SUM(1+1)", "phone": "13800138000"},
            lines=[{"sku": "-SKU", "name": "+产品", "category": "=1+1", "quantity": 1, "unit_price": "-0"}],
            coupon_code="=COUPON", subtotal="0.00", total="0.00",
        ))  # fmt: skip
        before = _formula_fields()

    body = b"".join(staff_client.get(url(shop, "export")).streaming_content)

    row = next(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert (row["customer_id"], row["name"], row["sku"], row["product_name"], row["category"], row["coupon_code"]) == (
        "'=cmd|' /C calc'!A0", "'@SUM(1+1)", "'-SKU", "'+产品", "'=1+1", "'=COUPON",
    )  # fmt: skip
    assert (row["phone"], row["unit_price"], row["total"]) == ("+8613800138000", "0.00", "0.00")
    path = tmp_path / "export.csv"
    path.write_bytes(body)
    with shop_scope(shop.pk):
        result = orders_import_file(shop=shop, path=path)
        assert (result.orders_rejected, result.orders_created) == (0, 0)
        assert _formula_fields() == before


def _formula_fields() -> tuple:
    order = Order.objects.select_related("customer").get(external_id="F1")
    line = order.lines.get()
    channel_ids = list(order.customer.channel_ids.values_list("external_id", flat=True))
    return order.coupon_code, order.customer.name, channel_ids, line.sku, line.name, line.category
