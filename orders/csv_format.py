"""The order CSV format, as pure functions (no ORM, no clock): the header, and turning
the rows of one order into the API's JSON payload shape.

Columns (docs/orders.md): order_id, customer_id, placed_at, total are required;
currency, status, phone, email, name, channel, sku, product_name, category, quantity,
unit_price and subtotal, discount, shipping, coupon_code, shipping_province,
shipping_city are optional. One row per order line; rows with the same order_id form one
order, wherever they are in the file.
"""

from django.utils.translation import gettext_noop

from crm.platform.csv_files import ImportFileError, cell_unquote
from crm.platform.reasons import Reason

REQUIRED_COLUMNS = ("order_id", "customer_id", "placed_at", "total")
OPTIONAL_COLUMNS = (
    "currency", "status", "phone", "email", "name", "channel", "sku", "product_name", "category", "quantity",
    "unit_price", "subtotal", "discount", "shipping", "coupon_code", "shipping_province", "shipping_city",
)  # fmt: skip
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
LINE_COLUMNS = ("sku", "product_name", "category", "quantity", "unit_price")
ORDER_COLUMNS = tuple(column for column in COLUMNS if column not in LINE_COLUMNS and column != "order_id")
# Header aliases seen in exports from Chinese storefront back-offices.
ALIASES = {"订单号": "order_id", "客户编号": "customer_id", "下单时间": "placed_at", "订单金额": "total",
           "币种": "currency", "状态": "status", "手机": "phone", "手机号": "phone", "邮箱": "email",
           "姓名": "name", "渠道": "channel", "商品编码": "sku", "商品名称": "product_name", "品类": "category",
           "数量": "quantity", "单价": "unit_price"}  # fmt: skip


def header_columns(header: list[str]) -> dict[str, int]:
    """Map known column names to their index; raises ImportFileError for missing ones."""
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff").lower()
        name = ALIASES.get(name, name)
        if name in COLUMNS and name not in positions:
            positions[name] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        raise ImportFileError(
            Reason(gettext_noop("Missing required columns: %(columns)s."), columns=", ".join(missing))
        )
    return positions


def row_values(row: list[str], positions: dict[str, int]) -> list[str]:
    """The row's cells in COLUMNS order ("" for absent columns and short rows)."""
    width = len(row)
    return [cell_unquote(row[positions[column]]) if column in positions and positions[column] < width else ""
            for column in COLUMNS]  # fmt: skip


def order_payload(rows: list[tuple[int, dict[str, str]]], default_channel: str) -> tuple[dict | None, dict, list]:
    """Build one order payload from its rows ((line number, {column: value}), in file
    order). Returns (payload, errors, line numbers of the line rows); errors name the
    field like the API does, for cells the rows disagree on."""
    order_values, errors = _order_level_values(rows)
    line_rows = [(line_number, values) for line_number, values in rows if any(values[c] for c in LINE_COLUMNS)]
    payload = {
        "external_id": rows[0][1]["order_id"],
        "channel": order_values.get("channel") or default_channel,
        "customer": {
            "external_id": order_values.get("customer_id"),
            "name": order_values.get("name"),
            "phone": order_values.get("phone"),
            "email": order_values.get("email"),
        },
        "lines": [
            {
                "sku": values["sku"],
                "name": values["product_name"],
                "category": values["category"],
                "quantity": values["quantity"],
                "unit_price": values["unit_price"],
            }
            for _line_number, values in line_rows
        ],  # fmt: skip
        **{column: order_values.get(column) for column in _ORDER_FIELDS},
    }
    return payload, errors, [line_number for line_number, _values in line_rows]


def _order_level_values(rows: list[tuple[int, dict[str, str]]]) -> tuple[dict[str, str], dict]:
    """The first non-blank value of each order-level column; rows that disagree are errors."""
    order_values: dict[str, str] = {}
    first_line: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for line_number, values in rows:
        for column in ORDER_COLUMNS:
            value = values[column]
            if not value:
                continue
            if column not in order_values:
                order_values[column], first_line[column] = value, line_number
            elif order_values[column] != value and _payload_field(column) not in errors:
                errors[_payload_field(column)] = [
                    Reason(
                        gettext_noop("Rows of this order disagree on %(column)s (lines %(first)d and %(line)d)."),
                        column=column,
                        first=first_line[column],
                        line=line_number,
                    )  # fmt: skip
                ]
    return order_values, errors


_ORDER_FIELDS = ("placed_at", "total", "currency", "status", "subtotal", "discount", "shipping", "coupon_code",
                 "shipping_province", "shipping_city")  # fmt: skip
_CUSTOMER_FIELDS = {"customer_id": "customer.external_id", "phone": "customer.phone", "email": "customer.email",
                    "name": "customer.name"}  # fmt: skip


def _payload_field(column: str) -> str:
    return _CUSTOMER_FIELDS.get(column, column)


def error_line(field_name: str, order_lines: list[int], line_rows: list[int]) -> int:
    """The file line an error points at: the line row for `lines.N.x`, else the order's first."""
    if field_name.startswith("lines."):
        index = field_name.split(".")[1]
        if index.isdigit() and int(index) < len(line_rows):
            return line_rows[int(index)]
    return order_lines[0]
