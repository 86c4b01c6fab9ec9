"""CSV import: streaming two-pass import through the same ingest as the API."""

import pytest

from crm.platform.csv_files import ImportFileError
from crm.tenancy.context import shop_scope
from orders.models import Order, OrderLine, OrderStatusChange
from orders.services.imports import orders_import_file
from tests.orders.csv_files import HEADER, ROWS, csv_write


def _import(shop, path, **kwargs):
    with shop_scope(shop.pk):
        return orders_import_file(shop=shop, path=path, **kwargs)


def _snapshot(shop):
    with shop_scope(shop.pk):
        return (
            sorted(Order.objects.values_list("external_id", "status", "total", "updated_at")),
            OrderLine.objects.count(),
            OrderStatusChange.objects.count(),
        )


def test_rows_of_one_order_need_not_be_contiguous(shop, tmp_path):
    result = _import(shop, csv_write(tmp_path / "orders.csv", ROWS))

    assert (result.total_rows, result.orders_created, result.rows_rejected) == (3, 2, 0)
    with shop_scope(shop.pk):
        order = Order.objects.get(external_id="C1")
        assert sorted(order.lines.values_list("sku", flat=True)) == ["SKU-1", "SKU-3"]
        assert order.channel == "web"
        assert Order.objects.get(external_id="C2").currency == "CNY"


def test_importing_the_same_file_twice_changes_nothing(shop, tmp_path):
    path = csv_write(tmp_path / "orders.csv", ROWS)
    _import(shop, path)
    before = _snapshot(shop)

    again = _import(shop, path)

    assert (again.orders_created, again.orders_updated, again.orders_unchanged) == (0, 0, 2)
    assert _snapshot(shop) == before


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_encodings(shop, tmp_path, encoding):
    result = _import(shop, csv_write(tmp_path / "orders.csv", ROWS, encoding=encoding))

    assert result.orders_created == 2
    with shop_scope(shop.pk):
        assert Order.objects.get(external_id="C2").customer.name == "李雷"
        assert OrderLine.objects.get(sku="SKU-2").name == "龙井茶"


def test_gbk_is_detected_even_after_a_long_ascii_start(shop, tmp_path):
    ascii_rows = [[f"A{i}", f"U{i}", "2026-10-01 10:00", "1.00", "CNY", "paid", "", f"u{i}@example.com", "x", "web",
                   "S", "x", "x", "1", "1.00"] for i in range(20000)]  # fmt: skip
    result = _import(shop, csv_write(tmp_path / "orders.csv", [*ascii_rows, ROWS[1]], encoding="gbk"))

    assert result.encoding == "gb18030"
    assert result.orders_created == 20001


def test_rejects_name_the_line_and_the_reason(shop, tmp_path):
    rows = [
        *ROWS,
        ["C3", "U3", "2026-10-03 09:00", "10.00", "CNY", "paid", "13800000003", "", "", "web", "S", "x", "x", "-1",
         "10.00"],
        ["C4", "U4", "2026-10-03 09:00", "99.00", "CNY", "paid", "13800000004", "", "", "web", "S", "x", "x", "1",
         "10.00"],
        ["C5", "U5", "2026-10-03 09:00", "10.00", "XXX", "paid", "13800000005", "", "", "web", "S", "x", "x", "1",
         "10.00"],
        ["C6", "U6", "2026-10-03 09:00", "10.00", "CNY", "paid", "1380", "", "", "web", "S", "x", "x", "1", "10.00"],
        ["", "U7", "2026-10-03 09:00", "10.00", "CNY", "paid", "", "", "", "web", "S", "x", "x", "1", "10.00"],
        ["C8", "U8", "2026-10-03 09:00", "10.00", "CNY", "paid", "", "", "", "web", "S", "x", "x", "1", "10.00"],
        ["C8", "U8", "2026-10-04 09:00", "10.00", "CNY", "paid", "", "", "", "web", "T", "x", "x", "1", "0.00"],
        ["C9", "U9", "2999-10-03 09:00", "10.00", "CNY", "paid", "", "", "", "web", "S", "x", "x", "1", "10.00"],
    ]  # fmt: skip
    result = _import(shop, csv_write(tmp_path / "orders.csv", rows))

    rejects = {(reject["line"], reject["field"]) for reject in result.rejects}
    assert rejects == {
        (5, "lines.0.quantity"),
        (6, "total"),
        (7, "currency"),
        (8, "customer.phone"),
        (9, "order_id"),
        (10, "placed_at"),
        (12, "placed_at"),
    }
    assert (result.orders_created, result.orders_rejected, result.rows_rejected) == (2, 6, 8)
    assert all(reject["reason"] for reject in result.rejects)
    with shop_scope(shop.pk):
        assert sorted(Order.objects.values_list("external_id", flat=True)) == ["C1", "C2"]


def test_a_null_character_rejects_its_whole_order_naming_line_and_column(shop, tmp_path):
    # PostgreSQL text cannot hold NUL: the order is refused whole, not imported without that line.
    c1_second_line = [*ROWS[2][:10], "SKU-\x003", *ROWS[2][11:]]
    result = _import(shop, csv_write(tmp_path / "orders.csv", [ROWS[0], ROWS[1], c1_second_line]))

    assert [(r["line"], r["order_id"], r["field"]) for r in result.rejects] == [(4, "C1", "sku")]
    assert result.rejects[0]["reason"] == "Null characters are not allowed."
    assert (result.orders_created, result.orders_rejected, result.rows_rejected) == (1, 1, 2)
    with shop_scope(shop.pk):
        assert list(Order.objects.values_list("external_id", flat=True)) == ["C2"]


def test_missing_required_columns_fail_the_whole_file(shop, tmp_path):
    path = csv_write(tmp_path / "orders.csv", [["C1", "10.00"]], header=["order_id", "total"])

    with pytest.raises(ImportFileError, match="customer_id, placed_at"):
        _import(shop, path)


def test_chinese_headers_are_understood(shop, tmp_path):
    header = ["订单号", "客户编号", "下单时间", "订单金额", "手机号", "商品编码", "数量", "单价"]
    path = csv_write(tmp_path / "orders.csv", [["Z1", "U1", "2026-10-01 10:00", "20.00", "13800000001", "S", "2",
                                                 "10.00"]], header=header, encoding="gbk")  # fmt: skip

    assert _import(shop, path).orders_created == 1


def test_header_only_file_imports_nothing(shop, tmp_path):
    result = _import(shop, csv_write(tmp_path / "orders.csv", [], header=HEADER))

    assert (result.total_rows, result.orders_created) == (0, 0)
