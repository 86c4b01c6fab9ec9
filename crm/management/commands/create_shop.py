from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from crm.models import Shop
from crm.shops.services import shop_create, user_get_or_create


class Command(BaseCommand):
    help = "Create a shop and its owner (platform command)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", help="Required when the owner has no account yet.")
        parser.add_argument("--timezone", default="Asia/Shanghai")
        parser.add_argument("--currency", default="CNY")

    @transaction.atomic
    def handle(self, *args, slug, name, owner_email, owner_password, timezone, currency, **options):
        if Shop.objects.filter(slug=slug).exists():
            raise CommandError(f"a shop with slug {slug!r} exists")
        owner, created = user_get_or_create(email=owner_email, password=owner_password)
        if created and not owner_password:
            raise CommandError("--owner-password is required for a new account")
        shop = shop_create(slug=slug, name=name, owner=owner, timezone=timezone, currency=currency)
        self.stdout.write(f"created shop {shop.slug} (id {shop.pk}) owned by {owner.email}")
