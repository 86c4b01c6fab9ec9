"""Deterministic synthetic shops, for the demo shop (`manage.py seed_demo`), tests and
the benchmarks (bench/datagen.py writes them as CSV files and COPY buffers).

`dataset_generate(customers=, orders=, seed=)` draws a whole shop as numpy columns:
- customers with Chinese names (Faker zh_CN's own surname weights and given names),
  unique valid mobile numbers, some emails, a province/city, and a Pareto-distributed
  spending propensity (a few customers spend most of the money);
- repeat purchases per customer as 1 + Poisson(lambda proportional to propensity),
  adjusted to hit the order total exactly;
- order times over two years with seasonality (Singles' Day, 618, Double 12, a Spring
  Festival dip, busier evenings and weekends), channels, statuses, 1-4 lines from a
  catalog of Chinese products with prices scaled by the customer's propensity.

`order_payloads` gives the orders in the storefront API's JSON shape. The same (sizes,
seed) always give the same shop.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
from faker import Faker

CHANNELS = np.array(["web", "app", "mini_program", "marketplace", "offline"])
CHANNEL_WEIGHTS = np.array([0.35, 0.30, 0.20, 0.10, 0.05])
STATUSES = np.array(["completed", "delivered", "shipped", "paid", "pending", "cancelled", "refunded"])
STATUS_WEIGHTS = np.array([0.60, 0.10, 0.08, 0.10, 0.04, 0.05, 0.03])
MOBILE_PREFIXES = ("139", "138", "137", "136", "135", "150", "151", "152", "158", "159", "186", "188", "187",
                   "130", "131", "132", "155", "156", "185", "133", "153", "180", "189", "177", "199")  # fmt: skip
EMAIL_DOMAINS = ("qq.com", "163.com", "126.com", "gmail.com", "example.com")
CATALOG = {
    "家居": ["保温杯", "收纳盒", "四件套", "香薰蜡烛", "懒人沙发", "台灯"],
    "美妆": ["口红", "面霜", "精华液", "防晒霜", "面膜", "洗面奶"],
    "数码": ["蓝牙耳机", "充电宝", "数据线", "机械键盘", "智能手表", "手机壳"],
    "食品": ["坚果礼盒", "龙井茶", "月饼", "牛肉干", "螺蛳粉", "咖啡豆"],
    "服饰": ["羽绒服", "卫衣", "运动鞋", "围巾", "牛仔裤", "连衣裙"],
    "母婴": ["纸尿裤", "奶粉", "婴儿推车", "儿童绘本", "安抚玩具", "辅食机"],
}
VARIANTS = ("标准款", "升级款", "礼盒装")
SPECIAL_DAYS = {(11, 11): 8.0, (6, 18): 4.0, (12, 12): 3.0, (11, 10): 2.5, (2, 14): 1.8, (5, 20): 1.6}


@dataclass
class Dataset:
    seed: int
    customer_external_ids: list[str]
    names: list[str]
    phones: list[str]
    emails: list[str | None]
    provinces: list[str]
    cities: list[str]
    propensity: np.ndarray
    order_customer: np.ndarray  # customer index per order
    order_time: np.ndarray  # epoch seconds (UTC) per order
    order_channel: np.ndarray
    order_status: np.ndarray
    order_coupon: np.ndarray  # bool
    line_start: np.ndarray  # order i owns lines line_start[i]:line_start[i + 1]
    line_product: np.ndarray
    line_quantity: np.ndarray
    products: list[tuple[str, str, str, Decimal]]  # sku, name, category, unit price

    @property
    def orders(self) -> int:
        return len(self.order_customer)

    @property
    def customers(self) -> int:
        return len(self.customer_external_ids)

    def order_external_id(self, index: int) -> str:
        return f"B{self.seed}-{index:08d}"


def dataset_generate(
    *, customers: int, orders: int, seed: int = 7, lines: tuple[int, int] = (1, 4), end: date = date(2026, 10, 31)
) -> Dataset:
    """A whole shop; `lines` is the inclusive range of lines per order."""
    rng = np.random.default_rng(seed)
    people = _customers(customers, seed, rng)
    counts = _orders_per_customer(people["propensity"], orders, rng)
    order_customer = rng.permutation(np.repeat(np.arange(customers), counts))
    order_time = np.sort(_order_times(orders, end, rng))
    line_counts = rng.integers(lines[0], lines[1] + 1, size=orders)
    line_start = np.concatenate([[0], np.cumsum(line_counts)])
    products = _catalog(rng)
    # Big spenders buy from the pricier end of the catalog.
    price_rank = np.argsort([price for *_, price in products])
    lean = np.clip(people["propensity"][order_customer] / 4, 0, 1)
    lean_per_line = np.repeat(lean, line_counts)
    picks = np.clip(rng.beta(1.5, 3.0, size=int(line_start[-1])) + lean_per_line * 0.5, 0, 0.999)
    return Dataset(
        seed=seed,
        **{name: people[name] for name in ("names", "phones", "emails", "provinces", "cities", "propensity")},
        customer_external_ids=[f"U{seed}-{index:07d}" for index in range(customers)],
        order_customer=order_customer,
        order_time=order_time,
        order_channel=rng.choice(CHANNELS, size=orders, p=CHANNEL_WEIGHTS),
        order_status=rng.choice(STATUSES, size=orders, p=STATUS_WEIGHTS),
        order_coupon=rng.random(orders) < 0.2,
        line_start=line_start,
        line_product=price_rank[(picks * len(products)).astype(int)],
        line_quantity=1 + rng.poisson(0.4, size=int(line_start[-1])),
        products=products,
    )


def _customers(count: int, seed: int, rng: np.random.Generator) -> dict:
    person = Faker("zh_CN").provider("faker.providers.person")
    address = Faker("zh_CN").provider("faker.providers.address")
    surnames = list(person.last_names)
    weights = np.array(list(person.last_names.values()), dtype=float)
    surname_picks = rng.choice(len(surnames), size=count, p=weights / weights.sum())
    given = list(person.first_names)
    given_picks = rng.integers(0, len(given), size=(count, 2))
    two_char = rng.random(count) < 0.6
    prefixes = len(MOBILE_PREFIXES)
    provinces, cities = list(address.provinces[:31]), list(address.cities)
    return {
        "names": [
            surnames[s] + given[a] + (given[b][0] if two else "")
            for s, (a, b), two in zip(surname_picks, given_picks, two_char, strict=True)
        ],
        # index -> (prefix, 8 digits) is a bijection, so phones are unique.
        "phones": [
            MOBILE_PREFIXES[index % prefixes] + f"{((index // prefixes) * 7919 + seed * 104729) % 10**8:08d}"
            for index in range(count)
        ],
        "emails": [
            f"user{seed}x{index}@{EMAIL_DOMAINS[index % len(EMAIL_DOMAINS)]}" if keep else None
            for index, keep in enumerate(rng.random(count) < 0.7)
        ],
        "provinces": [provinces[i] for i in rng.integers(0, len(provinces), size=count)],
        "cities": [cities[i] for i in rng.integers(0, len(cities), size=count)],
        "propensity": rng.pareto(1.16, size=count) + 0.05,
    }


def _orders_per_customer(propensity: np.ndarray, orders: int, rng: np.random.Generator) -> np.ndarray:
    if orders < len(propensity):
        raise ValueError("every customer has at least one order")
    extra = orders - len(propensity)
    lam = propensity / propensity.sum() * extra
    counts = 1 + rng.poisson(np.minimum(lam, 500))
    difference = orders - int(counts.sum())
    while difference:
        index = rng.integers(0, len(counts), size=abs(difference))
        if difference > 0:
            np.add.at(counts, index, 1)
        else:
            counts[index] = np.maximum(counts[index] - 1, 1)
        difference = orders - int(counts.sum())
    return counts


def _order_times(count: int, end: date, rng: np.random.Generator) -> np.ndarray:
    days = [end - timedelta(days=offset) for offset in range(730)]
    weights = np.array([_day_weight(day) for day in days])
    day_picks = rng.choice(len(days), size=count, p=weights / weights.sum())
    # Busier in the evening (Beijing time): a mixture peaking around 21:00.
    hours = np.clip(rng.normal(20.5, 3.5, size=count), 0, 23.99)
    midnight_utc = np.array([datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() for d in days]) - 8 * 3600
    return (midnight_utc[day_picks] + hours * 3600).astype(np.int64)


def _day_weight(day: date) -> float:
    weight = SPECIAL_DAYS.get((day.month, day.day), 1.0)
    if day.weekday() >= 5:
        weight *= 1.25
    if (day.month == 1 and day.day >= 20) or (day.month == 2 and day.day <= 15):
        weight *= 0.55  # Spring Festival: logistics pause
    return weight


def _catalog(rng: np.random.Generator) -> list[tuple[str, str, str, Decimal]]:
    products = []
    for category, names in CATALOG.items():
        for name in names:
            base = float(rng.lognormal(4.2, 0.8))
            for variant_index, variant in enumerate(VARIANTS):
                price = Decimal(f"{base * (1 + 0.6 * variant_index):.2f}")
                products.append((f"SKU-{len(products) + 1:04d}", f"{name}（{variant}）", category, price))
    return products


# --- consumers -------------------------------------------------------------------------
def order_amounts(data: Dataset, index: int) -> tuple[list[tuple], Decimal, Decimal, Decimal, Decimal]:
    lines = []
    for line in range(int(data.line_start[index]), int(data.line_start[index + 1])):
        sku, name, category, price = data.products[int(data.line_product[line])]
        quantity = int(data.line_quantity[line])
        lines.append((sku, name, category, quantity, price, price * quantity))
    subtotal = sum((line[5] for line in lines), Decimal("0"))
    discount = (subtotal * Decimal("0.1")).quantize(Decimal("0.01")) if data.order_coupon[index] else Decimal("0.00")
    shipping = Decimal("0.00") if subtotal >= 99 else Decimal("8.00")
    return lines, subtotal, discount, shipping, subtotal - discount + shipping


def order_payloads(data: Dataset, start: int = 0, stop: int | None = None) -> Iterator[dict]:
    """Orders start..stop in the storefront API's JSON shape."""
    for index in range(start, data.orders if stop is None else stop):
        customer = int(data.order_customer[index])
        lines, subtotal, discount, shipping, total = order_amounts(data, index)
        placed = datetime.fromtimestamp(int(data.order_time[index]), UTC).isoformat()
        status = str(data.order_status[index])
        yield {
            "external_id": data.order_external_id(index),
            "channel": str(data.order_channel[index]),
            "status": status,
            "placed_at": placed,
            "currency": "CNY",
            "customer": {
                "external_id": data.customer_external_ids[customer],
                "name": data.names[customer],
                "phone": data.phones[customer],
                "email": data.emails[customer],
            },
            "lines": [
                {"sku": sku, "name": name, "category": category, "quantity": quantity, "unit_price": str(price)}
                for sku, name, category, quantity, price, _ in lines
            ],
            "subtotal": str(subtotal),
            "discount": str(discount),
            "shipping": str(shipping),
            "total": str(total),
            "coupon_code": "WELCOME10" if data.order_coupon[index] else "",
            "shipping_province": data.provinces[customer],
            "shipping_city": data.cities[customer],
        }
