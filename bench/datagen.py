"""Deterministic synthetic shops for benchmarks, demo data and tests.

`dataset_generate(customers=, orders=, seed=)` draws a whole shop as numpy columns:
- customers with Chinese names (Faker zh_CN's own surname weights and given names),
  unique valid mobile numbers, some emails, a province/city, and a Pareto-distributed
  spending propensity (a few customers spend most of the money);
- repeat purchases per customer as 1 + Poisson(lambda proportional to propensity),
  adjusted to hit the order total exactly;
- order times over two years with seasonality (Singles' Day, 618, Double 12, a Spring
  Festival dip, busier evenings and weekends), channels, statuses, 1-4 lines from a
  catalog of Chinese products with prices scaled by the customer's propensity.

Consumers take rows from it: `order_payloads` (the API JSON shape), `csv_rows` (the
import file layout, with each order's rows deliberately not contiguous), `copy_load`
(COPY straight into the tables: the floor for ingest benchmarks and a fast loader for
large-shop benchmarks). The same (sizes, seed) always give the same shop.
"""

import csv
import io
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
def _order_amounts(data: Dataset, index: int) -> tuple[list[tuple], Decimal, Decimal, Decimal, Decimal]:
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
        lines, subtotal, discount, shipping, total = _order_amounts(data, index)
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


CSV_COLUMNS = (
    "order_id", "customer_id", "placed_at", "total", "currency", "status", "phone", "email", "name",
    "channel", "sku", "product_name", "category", "quantity", "unit_price", "discount", "shipping",
)  # fmt: skip


def csv_rows(data: Dataset, *, block: int = 500) -> Iterator[tuple]:
    """One row per order line in the import layout. Within each block of orders the rows
    go out line-major (every order's first line, then every second line...), so the rows
    of one order are never contiguous, as in exports from some storefronts."""
    for block_start in range(0, data.orders, block):
        orders = []
        for index in range(block_start, min(block_start + block, data.orders)):
            orders.append((index, *_order_amounts(data, index)))
        depth = max(len(order[1]) for order in orders)
        for line_number in range(depth):
            for index, lines, _subtotal, discount, shipping, total in orders:
                if line_number < len(lines):
                    yield _csv_row(data, index, lines[line_number], total, discount, shipping)


def _csv_row(data: Dataset, index: int, line: tuple, total, discount, shipping) -> tuple:
    customer = int(data.order_customer[index])
    sku, name, category, quantity, price, _ = line
    placed = datetime.fromtimestamp(int(data.order_time[index]) + 8 * 3600, UTC).strftime("%Y-%m-%d %H:%M:%S")
    return (data.order_external_id(index), data.customer_external_ids[customer], placed, total, "CNY",
            str(data.order_status[index]), data.phones[customer], data.emails[customer] or "", data.names[customer],
            str(data.order_channel[index]), sku, name, category, quantity, price, discount, shipping)  # fmt: skip


def csv_write(data: Dataset, path, *, encoding: str = "utf-8") -> int:
    """Write the import file; returns the number of data rows."""
    count = 0
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for row in csv_rows(data):
            writer.writerow(row)
            count += 1
    return count


# --- COPY loader -----------------------------------------------------------------------
def _copy_text(rows) -> io.StringIO:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    return buffer


def copy_buffers(
    data: Dataset, *, first_customer_id: int, first_order_id: int, shop_id: int, chunk: int = 10_000
) -> list[dict]:
    """COPY text, ids pre-assigned from the given starts (allocate them from the tables'
    sequences): first the customers and their channel ids, then the orders with their
    lines and status history in chunks of `chunk` orders — one dict per transaction, as
    a bulk loader would commit them."""
    now = datetime.now(UTC).isoformat()
    # What the ingest stores: the storefront's customer id once per channel the customer
    # ordered on, and the first order's channel as the customer's source channel.
    code = {channel: index for index, channel in enumerate(CHANNELS)}
    channel_codes = np.fromiter((code[channel] for channel in data.order_channel), np.int64, data.orders)
    pairs = np.unique(data.order_customer * len(CHANNELS) + channel_codes)
    first_order = np.full(data.customers, data.orders)
    np.minimum.at(first_order, data.order_customer, np.arange(data.orders))
    customers = (
        (first_customer_id + i, shop_id, data.names[i], "+86" + data.phones[i], data.emails[i], data.provinces[i],
         data.cities[i], str(data.order_channel[first_order[i]]), now)
        for i in range(data.customers)
    )  # fmt: skip
    channel_ids = ((shop_id, str(CHANNELS[pair % len(CHANNELS)]), data.customer_external_ids[pair // len(CHANNELS)],
                    first_customer_id + int(pair // len(CHANNELS)), now) for pair in pairs)  # fmt: skip
    people = {"customers_customer": _copy_text(customers), "customers_customerchannelid": _copy_text(channel_ids)}
    return [people] + [
        _order_buffers(
            data, range(start, min(start + chunk, data.orders)), first_customer_id, first_order_id, shop_id, now
        )
        for start in range(0, data.orders, chunk)
    ]


def _order_buffers(data: Dataset, indexes: range, first_customer_id: int, first_order_id: int, shop_id: int,
                   now: str) -> dict:  # fmt: skip
    orders, lines, history = [], [], []
    for index in indexes:
        order_lines, subtotal, discount, shipping, total = _order_amounts(data, index)
        order_id, status = first_order_id + index, str(data.order_status[index])
        placed = datetime.fromtimestamp(int(data.order_time[index]), UTC).isoformat()
        customer_id = first_customer_id + int(data.order_customer[index])
        orders.append((
            order_id, shop_id, data.order_external_id(index), customer_id, str(data.order_channel[index]), status,
            placed, "CNY", subtotal, discount, shipping, total, "", "", "", "", "", "", "", now, now,
        ))  # fmt: skip
        lines.extend((shop_id, order_id, position, *line) for position, line in enumerate(order_lines))
        history.append((shop_id, order_id, "", status, "import", placed))
    return {
        "orders_order": _copy_text(orders),
        "orders_orderline": _copy_text(lines),
        "orders_orderstatuschange": _copy_text(history),
    }


COPY_COLUMNS = {
    "customers_customer": "id, shop_id, name, phone, email, province, city, source_channel, created_at",
    "customers_customerchannelid": "shop_id, channel, external_id, customer_id, created_at",
    "orders_order": "id, shop_id, external_id, customer_id, channel, status, placed_at, currency, subtotal, discount, "
    "shipping, total, coupon_code, shipping_province, shipping_city, shipping_address, recipient_name, "
    "recipient_phone, content_hash, created_at, updated_at",
    "orders_orderline": "shop_id, order_id, position, sku, name, category, quantity, unit_price, line_total",
    "orders_orderstatuschange": "shop_id, order_id, from_status, to_status, source, changed_at",
}
_DEFAULTS = {
    "customers_customer": {
        "gender": "'unknown'", "district": "''", "attributes": "'{}'::jsonb", "is_automated_targeting_refused": "false",
        "updated_at": "now()", "orders_count": "0", "total_spent": "0", "refunds_count": "0", "refunded_amount": "0",
    },
}  # fmt: skip


def id_block_allocate(cursor, table: str, count: int) -> int:
    """Reserve `count` consecutive ids of `table`'s sequence; returns the first.

    One nextval with the sequence's increment raised to `count`, as the owner role (the
    app role may only call nextval): ALTER SEQUENCE blocks other sessions' nextval until
    the transaction ends, so the block is ours even while another process is inserting
    into the table. `cursor` (the app role's) only names the sequence."""
    import os

    import psycopg2

    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (sequence,) = cursor.fetchone()
    owner = psycopg2.connect(os.environ["DATABASE_OWNER_URL"])
    try:
        with owner, owner.cursor() as owner_cursor:
            owner_cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY {int(count)}")
            owner_cursor.execute("SELECT nextval(%s)", [sequence])
            (last,) = owner_cursor.fetchone()
            owner_cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 1")
    finally:
        owner.close()
    return last - count + 1


def copy_load(cursor, buffers: dict) -> dict[str, int]:
    """COPY each buffer (one dict of `copy_buffers`) into a temp table shaped like its
    target, then INSERT ... SELECT into the target (PostgreSQL refuses COPY FROM into
    tables with row-level security, so this is the fastest way in). Run inside the shop's
    scope; returns rows per table."""
    counts = {}
    for table, buffer in buffers.items():
        columns = COPY_COLUMNS[table]
        defaults = _DEFAULTS.get(table, {})
        stage = f"bench_stage_{table}"
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(f"CREATE TEMP TABLE {stage} AS SELECT {columns} FROM {table} WITH NO DATA")
        cursor.copy_expert(f"COPY {stage} ({columns}) FROM STDIN", buffer)
        target_columns = columns + "".join(f", {name}" for name in defaults)
        source_columns = columns + "".join(f", {value}" for value in defaults.values())
        cursor.execute(f"INSERT INTO {table} ({target_columns}) SELECT {source_columns} FROM {stage}")
        counts[table] = cursor.rowcount
    return counts
