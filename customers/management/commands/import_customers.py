"""`manage.py import_customers SHOP_SLUG FILE.csv`: import a customer CSV (docs/customers.md)."""

from crm.management.csv_import import CsvImportCommand
from crm.platform.channels import Channel
from customers.csv_import import customers_import_file


class Command(CsvImportCommand):
    help = "Import customers from a CSV file (UTF-8 with or without BOM, or GBK) into one shop."
    channels = tuple(Channel.values)

    def import_file(self, **kwargs):
        return customers_import_file(**kwargs)

    def progress_text(self, result) -> str:
        return f"{result.rows} rows"

    def summary(self, result) -> str:
        return (
            f"encoding {result.encoding}: {result.rows} rows; customers created {result.created}, "
            f"matched {result.matched}, rejected rows {result.rejected}, tags added {result.tagged}"
        )

    def reject_text(self, reject: dict) -> str:
        return f"line {reject['line']}: {reject['field']}: {reject['reason']}"
