"""What `import_customers` and `import_orders` share: the arguments, finding the shop,
running the import inside its scope with a progress line, and the report's rejects."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.models import Shop
from crm.platform.channels import Channel
from crm.platform.csv_files import ImportFileError
from crm.tenancy.context import shop_scope

SHOWN_REJECTS = 50


class CsvImportCommand(BaseCommand):
    channels: tuple[str, ...]  # the values the `channel` column may take

    def add_arguments(self, parser):
        parser.add_argument("shop_slug")
        parser.add_argument("path", type=Path)
        parser.add_argument("--channel", default=Channel.WEB, choices=self.channels,
                            help="Channel for rows without a channel value.")  # fmt: skip

    def handle(self, *args, shop_slug: str, path: Path, channel: str, **options):
        shop = Shop.objects.filter(slug=shop_slug).first()
        if shop is None:
            raise CommandError(f"No shop with slug {shop_slug!r}.")
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with shop_scope(shop.pk):
                result = self.import_file(shop=shop, path=path, default_channel=channel, progress=self._progress)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        sys.stderr.write("\n")
        self.stdout.write(self.summary(result))
        for reject in result.rejects[:SHOWN_REJECTS]:
            self.stdout.write(f"  {self.reject_text(reject)}")
        if len(result.rejects) > SHOWN_REJECTS:
            self.stdout.write(f"  ... and {len(result.rejects) - SHOWN_REJECTS} more")

    def _progress(self, result) -> None:
        sys.stderr.write(f"\r{self.progress_text(result)}")
        sys.stderr.flush()

    def import_file(self, *, shop, path: Path, default_channel: str, progress):
        raise NotImplementedError

    def progress_text(self, result) -> str:
        raise NotImplementedError

    def summary(self, result) -> str:
        raise NotImplementedError

    def reject_text(self, reject: dict) -> str:
        raise NotImplementedError
