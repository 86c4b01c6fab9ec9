"""What orders keep up to date on customers, as order-change handlers (registered first,
in OrdersConfig.ready()): the order stats and the region."""

from collections.abc import Sequence

from django.db import connection

from crm.models import Shop
from customers.services import customer_regions_follow_orders
from customers.stats import customer_stats_add, customer_stats_set
from orders.events import OrderChange
from orders.models import OrderStatus
from orders.purchases import customer_order_totals


def customer_stats_on_order_changes(shop: Shop, changes: Sequence[OrderChange]) -> None:
    """A new counted order is added to its customer's stats (re-reading long histories per
    batch was most of a batch's cost); any other change recomputes the customers involved.
    A customer created by the same write was inserted with its stats already."""
    recompute, added = set(), []
    for change in changes:
        if not change.is_new_order or change.refund_amount:
            recompute.add(change.customer_id)
            if change.previous_customer_id is not None:
                recompute.add(change.previous_customer_id)
        elif not change.is_new_customer and change.to_status in OrderStatus.counted():
            added.append((change.customer_id, change.total, change.placed_at))
    if recompute:
        customer_stats_set(shop=shop, customer_ids=list(recompute), totals=customer_order_totals(shop, list(recompute)))
    customer_stats_add(shop=shop, orders=[order for order in added if order[0] not in recompute])


_LATEST_REGION_SQL = """
SELECT target.customer_id, latest.shipping_province, latest.shipping_city
FROM unnest(%(ids)s::bigint[]) AS target(customer_id)
CROSS JOIN LATERAL (
    SELECT shipping_province, shipping_city FROM orders_order
    WHERE shop_id = %(shop_id)s AND customer_id = target.customer_id AND shipping_province <> ''
    ORDER BY placed_at DESC, id DESC LIMIT 1
) AS latest
"""


def customer_region_on_order_changes(shop: Shop, changes: Sequence[OrderChange]) -> None:
    """Province and city follow the customer's latest order with a shipping province."""
    ids = sorted({change.customer_id for change in changes if not change.refund_amount})
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_LATEST_REGION_SQL, {"ids": ids, "shop_id": shop.pk})
        regions = {customer_id: (province, city) for customer_id, province, city in cursor.fetchall()}
    customer_regions_follow_orders(shop=shop, regions=regions)
