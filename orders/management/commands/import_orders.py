"""`manage.py import_orders SHOP_SLUG FILE.csv`: import an order CSV (docs/orders.md)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.models import Shop
from crm.tenancy.context import shop_scope
from orders.csv_format import ImportFileError
from orders.models import OrderChannel
from orders.services.imports import ImportResult, orders_import_file

SHOWN_REJECTS = 50


class Command(BaseCommand):
    help = "Import orders from a CSV file (UTF-8 with or without BOM, or GBK) into one shop."

    def add_arguments(self, parser):
        parser.add_argument("shop_slug")
        parser.add_argument("path", type=Path)
        parser.add_argument("--channel", default=OrderChannel.WEB, choices=OrderChannel.values,
                            help="Channel for rows without a channel column value.")  # fmt: skip

    def handle(self, *args, shop_slug: str, path: Path, channel: str, **options):
        shop = Shop.objects.filter(slug=shop_slug).first()
        if shop is None:
            raise CommandError(f"No shop with slug {shop_slug!r}.")
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with shop_scope(shop.pk):
                result = orders_import_file(shop=shop, path=path, default_channel=channel, progress=self._progress)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        self._report(result)

    def _progress(self, result: ImportResult) -> None:
        sys.stderr.write(f"\r{result.processed_rows}/{result.total_rows} rows")
        sys.stderr.flush()

    def _report(self, result: ImportResult) -> None:
        sys.stderr.write("\n")
        self.stdout.write(
            f"encoding {result.encoding}: {result.total_rows} rows; orders created {result.orders_created}, "
            f"updated {result.orders_updated}, unchanged {result.orders_unchanged}, rejected {result.orders_rejected} "
            f"({result.rows_rejected} rows)"
        )
        for reject in result.rejects[:SHOWN_REJECTS]:
            self.stdout.write(
                f"  line {reject['line']} order {reject['order_id']!r}: {reject['field']}: {reject['reason']}"
            )
        if result.rows_rejected and len(result.rejects) > SHOWN_REJECTS:
            self.stdout.write(f"  ... and more ({len(result.rejects)} listed in all)")
