from django.core.management.base import BaseCommand, CommandError

from crm.models import ApiKey, ApiKeyScope, Shop
from crm.shops.services import api_key_create
from crm.tenancy.context import shop_scope


class Command(BaseCommand):
    help = "Create an API key (storefront scope unless --scope admin); the raw key is printed alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", default="storefront")
        parser.add_argument(
            "--scope",
            choices=ApiKeyScope.values,
            default=ApiKeyScope.STOREFRONT,
            help="storefront (default): ingest and read; admin: also what staff need a manager for.",
        )

    def handle(self, *args, slug, name, scope, **options):
        shop = Shop.objects.filter(slug=slug).first()
        if shop is None:
            raise CommandError(f"no shop with slug {slug!r}")
        with shop_scope(shop.pk):
            if ApiKey.objects.filter(name=name).exists():
                raise CommandError(f"shop {slug} already has a key named {name!r}; pass another --name")
            api_key, raw_key = api_key_create(shop=shop, name=name, scope=scope)
        self.stderr.write(f"{scope} API key {api_key.prefix} created for {shop.slug}; it is shown once:")
        self.stdout.write(raw_key)
