"""Reads over a shop's whole customer population, for insights' scoring runs."""

from django.db import connection

from crm.models import Shop
from crm.tenancy.context import require_shop_id


def customer_id_median(*, shop: Shop, min_customers: int) -> int | None:
    """The median customer id of the shop (live or not), or None below `min_customers`.
    (shop, id) order walks the shop's own index: MIN/MAX(id) made the planner walk the
    primary key through other shops' customers."""
    assert shop.pk == require_shop_id(), "read in the scope of the shop it names"
    with connection.cursor() as cursor:
        # The median is looked for only when the shop is large enough.
        cursor.execute(
            "WITH shop_customers AS (SELECT COUNT(*) AS total FROM customers_customer WHERE shop_id = %(shop)s) "
            "SELECT CASE WHEN total >= %(enough)s THEN (SELECT id FROM customers_customer "
            "WHERE shop_id = %(shop)s ORDER BY shop_id, id OFFSET total / 2 LIMIT 1) END FROM shop_customers",
            {"shop": shop.pk, "enough": min_customers},
        )
        (median,) = cursor.fetchone()
    return median


def targeting_refused_ids(*, shop: Shop) -> list[int]:
    """Customers who refused automated targeting (PIPL art. 24): scoring runs score them into
    the shop-wide model and KPIs but store no scores or segment for them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM customers_customer WHERE shop_id = %s AND is_automated_targeting_refused", [shop.pk]
        )
        return [row[0] for row in cursor.fetchall()]
