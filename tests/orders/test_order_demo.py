from datetime import date

from crm.tenancy.context import shop_scope
from customers.models import Customer
from orders.demo import DEMO_REGIONS, demo_orders_seed
from orders.models import Order, Refund


def test_demo_seed_creates_customers_orders_refunds_once(shop):
    with shop_scope(shop.pk):
        created = demo_orders_seed(shop=shop, customers=30, end=date(2026, 10, 31))
        again = demo_orders_seed(shop=shop, customers=30, end=date(2026, 10, 31))

        assert (created, again) == (120, 0)
        assert Order.objects.count() == 120
        assert Customer.objects.count() == 30
        refunded_orders = Order.objects.filter(status__in=["refunded", "partially_refunded"]).count()
        assert Refund.objects.count() == refunded_orders > 0
        assert Customer.objects.filter(orders_count__gt=0).count() > 20
        # Every shipping city lies in its province.
        regions = set(Order.objects.values_list("shipping_province", "shipping_city"))
        assert regions <= set(DEMO_REGIONS) and len(regions) > 5
