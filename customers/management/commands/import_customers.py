"""`manage.py import_customers SHOP_SLUG FILE.csv`: import a customer CSV (docs/customers.md)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.models import Shop
from crm.tenancy.context import shop_scope
from customers.csv_import import CustomerImportFileError, CustomerImportResult, customers_import_file
from customers.models import Channel

SHOWN_REJECTS = 50


class Command(BaseCommand):
    help = "Import customers from a CSV file (UTF-8 with or without BOM, or GBK) into one shop."

    def add_arguments(self, parser):
        parser.add_argument("shop_slug")
        parser.add_argument("path", type=Path)
        parser.add_argument("--channel", default=Channel.WEB, choices=Channel.values,
                            help="Channel of customer_id for rows without a channel value.")  # fmt: skip

    def handle(self, *args, shop_slug: str, path: Path, channel: str, **options):
        shop = Shop.objects.filter(slug=shop_slug).first()
        if shop is None:
            raise CommandError(f"No shop with slug {shop_slug!r}.")
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with shop_scope(shop.pk):
                result = customers_import_file(shop=shop, path=path, default_channel=channel, progress=self._progress)
        except CustomerImportFileError as error:
            raise CommandError(str(error)) from None
        self._report(result)

    def _progress(self, result: CustomerImportResult) -> None:
        sys.stderr.write(f"\r{result.rows} rows")
        sys.stderr.flush()

    def _report(self, result: CustomerImportResult) -> None:
        sys.stderr.write("\n")
        self.stdout.write(
            f"encoding {result.encoding}: {result.rows} rows; customers created {result.created}, "
            f"matched {result.matched}, rejected rows {result.rejected}, tags added {result.tagged}"
        )
        for reject in result.rejects[:SHOWN_REJECTS]:
            self.stdout.write(f"  line {reject['line']}: {reject['field']}: {reject['reason']}")
        if result.rejected > SHOWN_REJECTS:
            self.stdout.write(f"  ... and {result.rejected - SHOWN_REJECTS} more")
