"""Demo orders for `manage.py seed_demo`: realistic Chinese customers and their orders,
from the benchmark generator, written through the same ingest as the API."""

from datetime import date
from decimal import Decimal

from crm.models import Shop
from crm.tenancy.context import require_shop_id
from orders.models import ChangeSource, Order
from orders.services import MAX_BATCH, orders_ingest_bulk, refund_create

ORDERS_PER_CUSTOMER = 4


def demo_orders_seed(*, shop: Shop, customers: int = 300, seed: int = 7, end: date | None = None) -> int:
    """Seed about 4 orders per customer over the two years up to `end` (today by
    default); a no-op when the shop already has orders. Returns the orders created."""
    from bench.datagen import dataset_generate, order_payloads

    assert shop.pk == require_shop_id(), "seed in the scope of the shop it names"
    if Order.objects.exists():
        return 0
    data = dataset_generate(customers=customers, orders=customers * ORDERS_PER_CUSTOMER, seed=seed,
                            end=end or date.today())  # fmt: skip
    payloads = list(order_payloads(data))
    # Refunded orders are seeded as completed, then refunded for real (refund rows, history).
    refunded = {payload["external_id"] for payload in payloads if payload["status"] == "refunded"}
    for payload in payloads:
        if payload["external_id"] in refunded:
            payload["status"] = "completed"
    created = 0
    for start in range(0, len(payloads), MAX_BATCH):
        results = orders_ingest_bulk(shop=shop, items=payloads[start : start + MAX_BATCH], source=ChangeSource.DEMO)
        created += sum(result["result"] == "created" for result in results)
    _refunds_seed(shop, refunded)
    return created


def _refunds_seed(shop: Shop, external_ids: set[str]) -> None:
    for index, order in enumerate(Order.objects.filter(external_id__in=external_ids).order_by("external_id")):
        # Every third refund is partial: half the order back, the goods kept.
        amount = (order.total / 2).quantize(Decimal("0.01")) if index % 3 == 2 else order.total
        reason = "商品破损" if index % 2 else "七天无理由退货"
        if amount > 0:
            refund_create(shop=shop, order_id=order.pk, data={"amount": str(amount), "reason": reason})
