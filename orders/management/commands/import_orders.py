"""`manage.py import_orders SHOP_SLUG FILE.csv`: import an order CSV (docs/orders.md)."""

from crm.management.csv_import import CsvImportCommand
from crm.platform.channels import ORDER_CHANNEL_VALUES
from orders.services.imports import orders_import_file


class Command(CsvImportCommand):
    help = "Import orders from a CSV file (UTF-8 with or without BOM, or GBK) into one shop."
    channels = ORDER_CHANNEL_VALUES

    def import_file(self, **kwargs):
        return orders_import_file(**kwargs)

    def progress_text(self, result) -> str:
        return f"{result.processed_rows}/{result.total_rows} rows"

    def summary(self, result) -> str:
        return (
            f"encoding {result.encoding}: {result.total_rows} rows; orders created {result.orders_created}, "
            f"updated {result.orders_updated}, unchanged {result.orders_unchanged}, "
            f"rejected {result.orders_rejected} ({result.rows_rejected} rows)"
        )

    def reject_text(self, reject: dict) -> str:
        return f"line {reject['line']} order {reject['order_id']!r}: {reject['field']}: {reject['reason']}"
