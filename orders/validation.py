"""The one validation of an incoming order, shared by the REST upsert, the bulk endpoint,
the CSV import and the demo seed.

Lean on purpose: the bulk path validates ~15,000 orders/s, so this is plain Python over
the parsed JSON (no DRF serializer per object). `order_clean` returns either a
`CleanOrder` or the errors as {"field.path": [reason, ...]}. Reasons never echo the
submitted value (it may be personal data and lands in import reports).
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.platform.channels import ORDER_CHANNEL_VALUES, Channel
from crm.platform.money import MAX_MONEY
from crm.platform.reasons import Reason
from crm.platform.text import text_problem
from customers.identity import IdentityInvalid, email_normalize, phone_normalize
from orders.currencies import ISO_4217_CODES
from orders.models import OrderStatus

CHANNELS = frozenset(ORDER_CHANNEL_VALUES)
STATUSES = frozenset(OrderStatus.values)
MAX_LINES = 500
MAX_QUANTITY = 1_000_000
FUTURE_TOLERANCE = timedelta(days=1)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
ZERO = Decimal("0")
CENT = Decimal("0.01")
TEXT_LIMITS = {
    "coupon_code": 64,
    "shipping_province": 64,
    "shipping_city": 64,
    "shipping_address": 500,
    "recipient_name": 100,
}
# Customers recur across nearby batches; normalizing is pure, so remember recent results
# (not errors). Bounded small: a 1,000,000-row import meets ~100,000 customers, and a cache
# sized for all of them made the import's memory grow with the file.
_email_normalize = lru_cache(maxsize=16_384)(email_normalize)
_phone_normalize = lru_cache(maxsize=16_384)(phone_normalize)
_CENTS = re.compile(r"\d{1,12}\.\d\d\Z")
_SLASH_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


@dataclass(slots=True)
class CleanLine:
    sku: str
    name: str
    category: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@dataclass(slots=True)
class CleanOrder:
    external_id: str
    channel: str
    status: str
    placed_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    currency: str
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    total: Decimal
    coupon_code: str
    shipping_province: str
    shipping_city: str
    shipping_address: str
    recipient_name: str
    recipient_phone: str
    customer: dict
    lines: list[CleanLine]
    updated_at: datetime | None = None  # the storefront's version of the order, when it sends one


@dataclass(slots=True)
class CleanContext:
    """What validation needs to know about the shop, fixed for one batch."""

    phone_region: str
    currency: str
    tz: tzinfo
    latest: datetime

    @classmethod
    def for_shop(cls, shop, *, now: datetime | None = None) -> "CleanContext":
        now = now or datetime.now(UTC)
        return cls(
            phone_region=shop.phone_region, currency=shop.currency, tz=shop.tzinfo, latest=now + FUTURE_TOLERANCE
        )


class _Errors(dict):
    def add(self, field_name: str, reason: str) -> None:
        self.setdefault(field_name, []).append(reason)


def order_clean(raw, ctx: CleanContext) -> tuple[CleanOrder | None, dict[str, list[str]]]:
    """Validate and normalize one order payload (the JSON shape of docs/orders.md)."""
    errors = _Errors()
    if not isinstance(raw, dict):
        errors.add("non_field_errors", _("Each order must be a JSON object."))
        return None, errors
    order = CleanOrder(
        external_id=_text(raw, "external_id", 128, errors, required=True),
        channel=_choice(raw, "channel", CHANNELS, Channel.WEB, errors),
        status=_choice(raw, "status", STATUSES, OrderStatus.PENDING, errors),
        placed_at=_datetime(raw, "placed_at", ctx, errors, required=True),
        paid_at=_datetime(raw, "paid_at", ctx, errors),
        shipped_at=_datetime(raw, "shipped_at", ctx, errors),
        delivered_at=_datetime(raw, "delivered_at", ctx, errors),
        currency=_currency(raw, ctx, errors),
        subtotal=ZERO,
        discount=_money(raw, "discount", errors, default=ZERO),
        shipping=_money(raw, "shipping", errors, default=ZERO),
        total=_money(raw, "total", errors, required=True),
        coupon_code="",
        shipping_province="",
        shipping_city="",
        shipping_address="",
        recipient_name="",
        recipient_phone=_phone(raw.get("recipient_phone"), "recipient_phone", ctx, errors) or "",
        customer=_customer(raw.get("customer"), ctx, errors),
        lines=_lines(raw.get("lines"), errors),
        updated_at=_datetime(raw, "updated_at", ctx, errors),
    )
    for name, limit in TEXT_LIMITS.items():
        setattr(order, name, _text(raw, name, limit, errors))
    for name in ("paid_at", "shipped_at", "delivered_at"):
        moment = getattr(order, name)
        if moment is not None and order.placed_at is not None and moment < order.placed_at - FUTURE_TOLERANCE:
            errors.add(name, _("Is before placed_at."))
    order.subtotal = _subtotal(raw, order, errors)
    _check_totals(order, errors)
    if errors:
        return None, errors
    return order, {}


def _text(raw: dict, name: str, limit: int, errors: _Errors, *, required: bool = False) -> str:
    value = raw.get(name)
    if (type(value) is str and 0 < len(value) <= limit and not value[0].isspace() and not value[-1].isspace()
            and value.isprintable()):  # fmt: skip
        return value  # the common case, checked cheaply
    if value is None or value == "":
        if required:
            errors.add(name, _("This field is required."))
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        errors.add(name, _("Must be a string."))
        return ""
    value = value.strip()
    if required and not value:
        errors.add(name, _("This field is required."))
    elif problem := text_problem(value):
        errors.add(name, problem)
    elif len(value) > limit:
        errors.add(name, Reason(gettext_noop("At most %(limit)d characters."), limit=limit))
    return value


def _choice(raw: dict, name: str, allowed: frozenset, default: str, errors: _Errors) -> str:
    value = raw.get(name)
    if value is None or value == "":
        return str(default)
    if not isinstance(value, str) or value not in allowed:
        errors.add(name, Reason(gettext_noop("Must be one of: %(choices)s."), choices=", ".join(sorted(allowed))))
        return str(default)
    return value


def _currency(raw: dict, ctx: CleanContext, errors: _Errors) -> str:
    value = raw.get("currency")
    if value is None or value == "":
        return ctx.currency
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in ISO_4217_CODES:
        errors.add("currency", _("Unknown currency: use an ISO 4217 code such as CNY."))
    return code


def datetime_parse(value, tz: tzinfo) -> datetime:
    """ISO 8601 (`2026-11-01T10:00:00+08:00`, `...Z`, `2026-11-01 10:00`) or the
    spreadsheet form `2026/11/1 10:00`; a time without offset is read in the shop's zone."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        match = _SLASH_DATE.match(text)
        if match is None:
            raise
        parsed = datetime(*(int(part or 0) for part in match.groups()))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def _datetime(raw: dict, name: str, ctx: CleanContext, errors: _Errors, *, required: bool = False):
    value = raw.get(name)
    if value is None or value == "":
        if required:
            errors.add(name, _("This field is required."))
        return None
    try:
        parsed = datetime_parse(value, ctx.tz)
    except ValueError:
        errors.add(name, _("Not a date and time: use ISO 8601, e.g. 2026-11-01T10:00:00+08:00."))
        return None
    if parsed > ctx.latest:
        errors.add(name, _("Is more than one day in the future."))
    elif parsed < EARLIEST:
        errors.add(name, _("Is before 1990."))
    return parsed


def money_parse(value) -> Decimal:
    """A non-negative amount with at most two decimals, from a decimal string or a number."""
    if type(value) is str and _CENTS.match(value):
        return Decimal(value)  # "98.00": already exact to the cent
    # No JSON floats: 0.1 + 0.2 is not 0.3 in them, so an amount must come as a string.
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(_('Must be a decimal string such as "98.00".'))
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise ValueError(_('Must be a decimal string such as "98.00".')) from None
    if not amount.is_finite():
        raise ValueError(_('Must be a decimal string such as "98.00".'))
    if amount < ZERO:
        raise ValueError(_("Must not be negative."))
    if amount >= MAX_MONEY:
        raise ValueError(_("Is too large."))
    cents = amount.quantize(CENT)
    if cents != amount:
        raise ValueError(_("At most two decimal places."))
    return cents


def _money(raw: dict, name: str, errors: _Errors, *, default: Decimal | None = None, required: bool = False):
    value = raw.get(name)
    if value is None or value == "":
        if required:
            errors.add(name, _("This field is required."))
        return default
    try:
        return money_parse(value)
    except ValueError as error:
        errors.add(name, str(error))
        return default


def _phone(value, field_name: str, ctx: CleanContext, errors: _Errors) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        errors.add(field_name, _("Must be a string."))
        return None
    try:
        return _phone_normalize(str(value), ctx.phone_region)
    except IdentityInvalid as error:
        errors.add(field_name, error.reason)
        return None


def _customer(raw, ctx: CleanContext, errors: _Errors) -> dict:
    if not isinstance(raw, dict):
        errors.add("customer", _("This field is required: an object with external_id, phone or email."))
        return {}
    nested = _Errors()
    customer = {
        "external_id": _text(raw, "external_id", 128, nested) or None,
        "name": _text(raw, "name", 200, nested),
        "phone": _phone(raw.get("phone"), "phone", ctx, nested),
        "email": None,
    }
    email = raw.get("email")
    if email not in (None, ""):
        try:
            customer["email"] = _email_normalize(email if isinstance(email, str) else "")
        except IdentityInvalid as error:
            nested.add("email", error.reason)
    if not nested and not (customer["external_id"] or customer["phone"] or customer["email"]):
        nested.add("non_field_errors", _("Give at least one of external_id, phone or email."))
    for name, reasons in nested.items():
        errors.setdefault(f"customer.{name}", []).extend(reasons)
    return customer


def _lines(raw, errors: _Errors) -> list[CleanLine]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.add("lines", _("Must be a list."))
        return []
    if len(raw) > MAX_LINES:
        errors.add("lines", Reason(gettext_noop("At most %(limit)d lines."), limit=MAX_LINES))
        return []
    lines = []
    for index, item in enumerate(raw):
        line = _line(item, f"lines.{index}", errors)
        if line is not None:
            lines.append(line)
    return lines


def _line(raw, prefix: str, errors: _Errors) -> CleanLine | None:
    if not isinstance(raw, dict):
        errors.add(prefix, _("Each line must be a JSON object."))
        return None
    quantity, unit_price = raw.get("quantity"), raw.get("unit_price")
    if type(quantity) is int and 0 < quantity <= MAX_QUANTITY and raw.get("line_total") is None:
        # The common shape: cheap checks first, the general path below on any doubt.
        sku, name, category = raw.get("sku"), raw.get("name", ""), raw.get("category", "")
        if (type(sku) is str and 0 < len(sku) <= 64 and sku.strip() == sku and type(name) is str
                and len(name) <= 200 and type(category) is str and len(category) <= 100
                and type(unit_price) is str and _CENTS.match(unit_price)
                and sku.isprintable() and name.isprintable() and category.isprintable()):  # fmt: skip
            price = Decimal(unit_price)
            return CleanLine(sku, name.strip(), category.strip(), quantity, price, price * quantity)
    nested = _Errors()
    sku = _text(raw, "sku", 64, nested, required=True)
    name = _text(raw, "name", 200, nested)
    category = _text(raw, "category", 100, nested)
    quantity = _quantity(raw.get("quantity"), nested)
    unit_price = _money(raw, "unit_price", nested, required=True)
    line_total = _money(raw, "line_total", nested)
    if not nested:
        expected = unit_price * quantity
        if line_total is not None and line_total != expected:
            nested.add("line_total", _("Does not equal quantity × unit_price."))
        line_total = expected
    for name_, reasons in nested.items():
        errors.setdefault(f"{prefix}.{name_}", []).extend(reasons)
    return None if nested else CleanLine(sku, name, category, quantity, unit_price, line_total)


def _quantity(value, errors: _Errors) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if value is None or value == "":
        errors.add("quantity", _("This field is required."))
    elif not isinstance(value, int) or isinstance(value, bool):
        errors.add("quantity", _("Must be a whole number."))
    elif value <= 0:
        errors.add("quantity", _("Must be at least 1."))
    elif value > MAX_QUANTITY:
        errors.add("quantity", _("Is too large."))
    else:
        return value
    return 0


def _subtotal(raw: dict, order: CleanOrder, errors: _Errors) -> Decimal:
    lines_sum = sum((line.line_total for line in order.lines), ZERO)
    subtotal = _money(raw, "subtotal", errors)
    if subtotal is None:
        # Without lines the order's own total is all we know.
        return lines_sum if order.lines else (order.total or ZERO) + order.discount - order.shipping
    if order.lines and subtotal != lines_sum and not any(key.startswith("lines.") for key in errors):
        errors.add(
            "subtotal", Reason(gettext_noop("Does not equal the sum of the lines (%(sum)s)."), sum=str(lines_sum))
        )
    return subtotal


def _check_totals(order: CleanOrder, errors: _Errors) -> None:
    if errors or order.total is None:
        return
    expected = order.subtotal - order.discount + order.shipping
    if order.subtotal < ZERO:
        errors.add("subtotal", _("Must not be negative."))
    elif order.total != expected:
        errors.add(
            "total",
            Reason(
                gettext_noop("Does not equal subtotal − discount + shipping (%(expected)s)."), expected=str(expected)
            ),
        )
