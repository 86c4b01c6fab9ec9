"""A demo shop with one staff member of each role, and each app's demo data (crm/platform/demo.py):
realistic Chinese customers and orders, a first scoring run (so the insights dashboard is
filled on first login). Idempotent: running it again changes nothing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from crm.models import Role, Shop
from crm.platform.demo import DEMO_SEEDERS
from crm.shops.services import membership_set, shop_create, user_get_or_create
from crm.tenancy.context import shop_scope

DEMO_SLUG = "demo"
DEMO_STAFF = {
    Role.OWNER: ("owner@demo.shopcrm.test", "demo-owner-pass", "王店长"),
    Role.MANAGER: ("manager@demo.shopcrm.test", "demo-manager-pass", "李经理"),
    Role.AGENT: ("agent@demo.shopcrm.test", "demo-agent-pass", "张客服"),
}


class Command(BaseCommand):
    help = "Create or complete the demo shop (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        users = {
            role: user_get_or_create(email=email, password=password, full_name=name)[0]
            for role, (email, password, name) in DEMO_STAFF.items()
        }
        shop = Shop.objects.filter(slug=DEMO_SLUG).first()
        if shop is None:
            shop = shop_create(slug=DEMO_SLUG, name="山茶小铺 Camellia Tea House", owner=users[Role.OWNER])
        with shop_scope(shop.pk):
            for role in (Role.MANAGER, Role.AGENT):
                membership_set(shop=shop, user=users[role], role=role)
            for seed in DEMO_SEEDERS.values():
                seed(shop=shop)
        self.stdout.write(f"demo shop ready at /s/{shop.slug}/")
