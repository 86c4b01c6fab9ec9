import csv
import io

import pytest
from django.core.management import CommandError, call_command

from crm.tenancy.context import shop_scope
from customers.models import Customer, CustomerChannelId, CustomerTag, Tag
from tests.customers.factories import CustomerFactory

CSV_TEXT = (
    "customer_id,channel,name,phone,email,gender,birthday,province,city,tags\n"
    "U1,web,王芳,138 0013 8000,WF@example.com,女,1990-05-01,浙江,杭州,VIP;老客户\n"
    "U2,app,李雷,13900139000,,male,,,北京,\n"
    ",,,13800138000,,,,,,投诉过\n"  # same person as line 2, by phone
    "U3,web,坏电话,12345,,,,,,\n"
    "U4,web,坏生日,,u4@example.com,,1990-02-30,,,\n"
    ",,只有名字,,,,,,,\n"
    "U5,fax,坏渠道,,,,,,,\n"
    "\n"
)


def run_import(shop, tmp_path, text: str, encoding: str = "utf-8", name: str = "customers.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    out = io.StringIO()
    call_command("import_customers", shop.slug, str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def table_state(shop) -> tuple:
    with shop_scope(shop.pk):
        return (
            list(Customer.objects.order_by("pk").values()),
            list(CustomerChannelId.objects.order_by("pk").values()),
            list(CustomerTag.objects.order_by("pk").values()),
            list(Tag.objects.order_by("pk").values()),
        )


def test_import_creates_matches_and_reports_rejects_with_line_numbers(shop, tmp_path):
    output = run_import(shop, tmp_path, CSV_TEXT)
    assert "customers created 2, matched 0, rejected rows 4" in output
    assert "line 5: phone:" in output
    assert "line 6: birthday:" in output
    assert "line 7: customer_id:" in output
    assert "line 8: channel:" in output
    with shop_scope(shop.pk):
        wang = Customer.objects.get(phone="+8613800138000")
        assert (wang.name, wang.email, wang.gender, str(wang.birthday)) == (
            "王芳",
            "wf@example.com",
            "female",
            "1990-05-01",
        )
        assert sorted(CustomerTag.objects.filter(customer=wang).values_list("tag__name", flat=True)) == [
            "VIP", "投诉过", "老客户",
        ]  # fmt: skip
        assert CustomerChannelId.objects.get(channel="app", external_id="U2").customer.name == "李雷"


def test_a_cell_holding_a_null_character_rejects_its_row_naming_the_column(shop, tmp_path):
    output = run_import(shop, tmp_path, "customer_id,name,phone\nK1,A\x00B,13800138555\nK2,Bob,13800138556\n")

    assert "line 2: name: Null characters are not allowed." in output
    with shop_scope(shop.pk):
        assert list(Customer.objects.values_list("name", flat=True)) == ["Bob"]


def test_a_file_neither_utf8_nor_gbk_is_refused_with_a_reason(shop, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes("customer_id,name\nU1,王芳\n".encode("utf-16"))

    with pytest.raises(CommandError, match="neither UTF-8 nor GBK"):
        call_command("import_customers", shop.slug, str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_reimport_changes_nothing(shop, tmp_path):
    run_import(shop, tmp_path, CSV_TEXT)
    before = table_state(shop)
    output = run_import(shop, tmp_path, CSV_TEXT)
    assert "customers created 0, matched 2" in output and "tags added 0" in output
    assert table_state(shop) == before


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gbk", b"")])
def test_import_reads_utf8_bom_and_gbk_case(shop, tmp_path, encoding, bom):
    path = tmp_path / "c.csv"
    path.write_bytes(bom + "手机号,姓名,城市\n13800138000,王芳,杭州\n".encode(encoding))
    call_command("import_customers", shop.slug, str(path), stdout=io.StringIO(), stderr=io.StringIO())
    with shop_scope(shop.pk):
        assert Customer.objects.get().name == "王芳" and Customer.objects.get().city == "杭州"


def test_import_fills_blanks_of_known_customers_only(shop, tmp_path):
    with shop_scope(shop.pk):
        known = CustomerFactory(shop=shop, name="原名", phone="+8613800138000", city="")
    run_import(shop, tmp_path, "phone,name,city\n13800138000,新名,杭州\n")
    with shop_scope(shop.pk):
        known.refresh_from_db()
        assert (known.name, known.city) == ("原名", "杭州")


def test_import_refuses_a_file_without_identity_columns(shop, tmp_path):
    with pytest.raises(CommandError):
        run_import(shop, tmp_path, "name,city\n王芳,杭州\n")


def test_export_reads_back_as_a_no_op_import(shop, admin_api, tmp_path):
    run_import(shop, tmp_path, CSV_TEXT)
    before = table_state(shop)
    exported = b"".join(admin_api.get("/api/v1/customers/export.csv").streaming_content)
    (tmp_path / "export.csv").write_bytes(exported)
    call_command("import_customers", shop.slug, str(tmp_path / "export.csv"), stdout=io.StringIO(),
                 stderr=io.StringIO())  # fmt: skip
    assert table_state(shop) == before


FORMULAS = {"name": '=HYPERLINK("http://x")', "province": "+浙江", "city": "-杭州", "district": "@SUM(A1)"}


def test_export_neutralises_formulas_and_they_import_back_unchanged(shop, admin_api, tmp_path):
    with shop_scope(shop.pk):
        CustomerFactory(shop=shop, phone="+8613800138000", **FORMULAS)
        CustomerFactory(shop=shop, phone="+8613900139000", name="'quoted", city="\tTab")
    before = table_state(shop)

    exported = b"".join(admin_api.get("/api/v1/customers/export.csv").streaming_content)

    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    first, second = sorted(rows, key=lambda row: row["phone"])
    assert [first[column] for column in FORMULAS] == ["'" + value for value in FORMULAS.values()]
    assert first["phone"] == "+8613800138000"  # an E.164 phone is data, not a formula
    assert (second["name"], second["city"]) == ("''quoted", "'\tTab")
    (tmp_path / "export.csv").write_bytes(exported)
    call_command("import_customers", shop.slug, str(tmp_path / "export.csv"), stdout=io.StringIO(),
                 stderr=io.StringIO())  # fmt: skip
    assert table_state(shop) == before
