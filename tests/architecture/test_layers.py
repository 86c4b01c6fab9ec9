"""The one-way layers between apps (crm, customers, orders, insights, loyalty, messaging,
campaigns, tickets), checked on the source tree; and the checker itself, on planted
violations."""

from pathlib import Path

from django.apps import apps

from tests.architecture.layers import LAYERS, import_violations, product_files, raw_sql_violations

ROOT = Path(__file__).resolve().parents[2]


def table_apps() -> dict[str, str]:
    return {
        model._meta.db_table: model._meta.app_label for model in apps.get_models() if model._meta.app_label in LAYERS
    }


def test_apps_import_only_apps_below_them_and_never_bench_or_tests():
    assert import_violations(product_files(ROOT)) == []


def test_no_app_names_another_apps_tables_in_raw_sql():
    assert raw_sql_violations(product_files(ROOT), table_apps()) == []


def test_the_import_checker_finds_planted_violations():
    planted = [
        ("customers/selectors/overview.py", "from orders.models import Order\n"),
        ("customers/services/privacy.py", "def erase():\n    import insights.models\n"),
        ("crm/management/commands/seed_demo.py", "import importlib\nimportlib.import_module('orders.demo')\n"),
        ("orders/demo.py", "from bench.datagen import dataset_generate\n"),
        ("insights/views.py", "from tests.orders.payloads import order_payload\n"),
    ]
    allowed = [
        ("orders/services/ingest.py", "from customers.identity import customers_resolve_bulk\n"),
        ("crm/urls.py", "import tickets.urls\n"),
        ("crm/settings/base.py", "from insights.models import ScoringRun\n"),
        ("insights/filters.py", "from .labels import segment_label\n"),
    ]

    violations = import_violations(planted + allowed)

    assert [violation.split(" ", 1)[0] for violation in violations] == [
        "customers/selectors/overview.py:1",
        "customers/services/privacy.py:2",
        "crm/management/commands/seed_demo.py:2",
        "orders/demo.py:1",
        "insights/views.py:1",
    ]


def test_the_raw_sql_checker_finds_planted_violations():
    tables = {"customers_customer": "customers", "orders_order": "orders", "orders_orderline": "orders"}
    planted = [
        ("orders/services/ingest.py", 'SQL = "UPDATE customers_customer SET orders_count = 0"\n'),
        (
            "insights/services/summary.py",
            'def q(shop):\n    return f"SELECT * FROM orders_orderline WHERE shop_id = {shop}"\n',
        ),
    ]
    allowed = [
        ("orders/services/copy_text.py", 'SQL = "COPY orders_order FROM STDIN"\n'),
        ("customers/models.py", 'HELP = "customers_customer_extra is not a table name here"\n'),
        ("crm/platform/postgresql/citus.py", 'PLACED_WITH = {"customer_search_ids(bigint)": "customers_customer"}\n'),
    ]

    violations = raw_sql_violations(planted + allowed, tables)

    assert violations == [
        "orders/services/ingest.py:1 names customers_customer, a table of customers",
        "insights/services/summary.py:2 names orders_orderline, a table of orders",
    ]
