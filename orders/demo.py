"""Demo orders for `manage.py seed_demo`: realistic Chinese customers and their orders,
from the synthetic shop generator (orders/synthetic.py), written through the same ingest as the API.

The generator spreads every customer's orders over the whole two years, so everyone looks
like a customer who still buys and the shop has no history of customers leaving; BG/NBD
cannot fit that. The demo keeps each customer's order count and re-dates the orders as a
customer life: a first order some time in the two years, then, for repeat buyers, either a
steady rhythm up to today or one that stopped months ago.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np

from crm.models import Shop
from crm.tenancy.context import require_shop_id
from customers.demo import demo_customer_extras_seed
from orders.models import ChangeSource, Order
from orders.services import MAX_BATCH, orders_ingest_bulk, refund_create
from orders.synthetic import dataset_generate, order_payloads

ORDERS_PER_CUSTOMER = 4
# Shipping regions that exist together (the generator draws province and city independently).
DEMO_REGIONS = (
    ("浙江省", "杭州市"), ("浙江省", "宁波市"), ("广东省", "广州市"), ("广东省", "深圳市"), ("江苏省", "南京市"),
    ("江苏省", "苏州市"), ("上海市", "上海市"), ("北京市", "北京市"), ("四川省", "成都市"), ("湖北省", "武汉市"),
    ("福建省", "厦门市"), ("山东省", "青岛市"), ("陕西省", "西安市"), ("湖南省", "长沙市"), ("重庆市", "重庆市"),
)  # fmt: skip
HISTORY_DAYS = 730
CHURNED_SHARE = 0.4  # of repeat buyers: their last order is 2 months to 2 years ago
SECONDS_PER_DAY = 86_400


def demo_seed(*, shop: Shop) -> None:
    """The demo shop's orders, then the tags, notes and consent of the customers they brought."""
    demo_orders_seed(shop=shop)
    demo_customer_extras_seed(shop=shop)


def demo_orders_seed(*, shop: Shop, customers: int = 300, seed: int = 7, end: date | None = None) -> int:
    """Seed about 4 orders per customer over the two years up to `end` (today by
    default); a no-op when the shop already has orders. Returns the orders created."""
    assert shop.pk == require_shop_id(), "seed in the scope of the shop it names"
    if Order.objects.exists():
        return 0
    data = dataset_generate(customers=customers, orders=customers * ORDERS_PER_CUSTOMER, seed=seed,
                            end=end or date.today())  # fmt: skip
    data.order_time = _customer_lives(data.order_customer, data.order_time, end or date.today(), seed)
    regions = [DEMO_REGIONS[index % len(DEMO_REGIONS)] for index in range(len(data.provinces))]
    data.provinces, data.cities = [province for province, _city in regions], [city for _province, city in regions]
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


def _customer_lives(order_customer: np.ndarray, order_time: np.ndarray, end: date, seed: int) -> np.ndarray:
    """New order times (epoch seconds, each order keeping its time of day): per customer a
    first-order day up to HISTORY_DAYS before `end`; a repeat buyer's other orders fall at
    random after it, up to `end` for a steady buyer, up to a last day at least 60 days ago
    for one who churned."""
    rng = np.random.default_rng(seed)
    last_midnight = datetime(end.year, end.month, end.day, tzinfo=UTC).timestamp()
    by_customer = np.argsort(order_customer, kind="stable")
    days_ago = np.empty(len(order_customer))
    for orders in np.split(by_customer, np.flatnonzero(np.diff(order_customer[by_customer])) + 1):
        if len(orders) == 1:
            days_ago[orders] = rng.uniform(0, HISTORY_DAYS)
            continue
        first = rng.uniform(120, HISTORY_DAYS)
        stopped = rng.uniform(60, first * 0.7) if rng.random() < CHURNED_SHARE else 0.0
        days_ago[orders] = np.concatenate([[first], rng.uniform(stopped, first, len(orders) - 1)])
    time_of_day = order_time % SECONDS_PER_DAY
    # Whole days, at least one: no order later today than now.
    return (last_midnight - np.maximum(np.ceil(days_ago), 1) * SECONDS_PER_DAY + time_of_day).astype(np.int64)


def _refunds_seed(shop: Shop, external_ids: set[str]) -> None:
    for index, order in enumerate(Order.objects.filter(external_id__in=external_ids).order_by("external_id")):
        # Every third refund is partial: half the order back, the goods kept.
        amount = (order.total / 2).quantize(Decimal("0.01")) if index % 3 == 2 else order.total
        reason = "商品破损" if index % 2 else "七天无理由退货"
        if amount > 0:
            refund_create(shop=shop, order_id=order.pk, data={"amount": str(amount), "reason": reason})
