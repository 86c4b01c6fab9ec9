"""The customer filter layer: an allow-list of fields and operators.

Query parameters look like `total_spent__gte=100`, `city=杭州`, `tag__in=3,4`. Only names
registered here are accepted, each with its own operators and value parser; the ORM path
comes from the registration, never from the request (no user-supplied lookups reach the
ORM). The fields live in `customers.registry.CUSTOMER_FILTERS`: customers registers its
own (CUSTOMER_FILTER_FIELDS), other apps theirs (insights: segment, CLV, P(alive)).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from crm.platform.channels import Channel
from crm.platform.dates import date_within_bounds
from customers.models import CustomerTag, Gender

MAX_IN_VALUES = 50


class FilterInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def _int_parser(limit: int) -> Callable[[str, ZoneInfo], int]:
    def parse(raw: str, tz: ZoneInfo) -> int:
        value = int(raw)
        if not -limit < value < limit:
            raise ValueError(raw)
        return value

    return parse


def _parse_decimal(raw: str, tz: ZoneInfo) -> Decimal:
    value = Decimal(raw)
    if not value.is_finite() or abs(value) >= Decimal("1e12"):
        raise ValueError(raw)
    return value


def _parse_date(raw: str, tz: ZoneInfo) -> date:
    day = date.fromisoformat(raw)
    if not date_within_bounds(day):
        raise ValueError(raw)
    return day


def _parse_text(raw: str, tz: ZoneInfo) -> str:
    if len(raw) > 200:
        raise ValueError(raw)
    return raw


def _parse_bool(raw: str, tz: ZoneInfo) -> bool:
    lowered = raw.lower()
    if lowered not in ("true", "false", "1", "0"):
        raise ValueError(raw)
    return lowered in ("true", "1")


def _choice_parser(choices: tuple[str, ...]) -> Callable[[str, ZoneInfo], str]:
    def parse(raw: str, tz: ZoneInfo) -> str:
        if raw not in choices:
            raise ValueError(raw)
        return raw

    return parse


# "int" for counts (PostgreSQL integer columns), "id" for row ids (bigint).
PARSERS = {
    "int": _int_parser(2**31),
    "id": _int_parser(2**62),
    "decimal": _parse_decimal,
    "date": _parse_date,
    "text": _parse_text,
    "bool": _parse_bool,
}


@dataclass(frozen=True)
class FilterField:
    """One filterable field. `build(operator, value, tz) -> Q` replaces the default
    `Q(path__operator=value)` where the mapping is not a plain lookup."""

    name: str
    path: str
    kind: str
    operators: tuple[str, ...] = ("exact",)
    choices: tuple[str, ...] = ()
    build: Callable[[str, object, ZoneInfo], Q] | None = None

    def parse(self, raw: str, tz: ZoneInfo):
        parser = _choice_parser(self.choices) if self.choices else PARSERS[self.kind]
        return parser(raw.strip(), tz)

    def q(self, operator: str, value, tz: ZoneInfo) -> Q:
        if self.build is not None:
            return self.build(operator, value, tz)
        if self.kind == "date":
            return _date_range_q(self.path, operator, value, tz)
        return Q(**{f"{self.path}__{operator}": value})


def _date_range_q(path: str, operator: str, day: date, tz: ZoneInfo) -> Q:
    """Dates are days in the shop's timezone; `lte` includes the whole day."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    if operator == "gte":
        return Q(**{f"{path}__gte": start})
    if operator == "lte":
        return Q(**{f"{path}__lt": start + timedelta(days=1)})
    return Q(**{f"{path}__gte": start, f"{path}__lt": start + timedelta(days=1)})


def _tag_q(operator: str, value, tz: ZoneInfo) -> Q:
    tag_ids = value if isinstance(value, list) else [value]
    return Q(Exists(CustomerTag.objects.filter(customer_id=OuterRef("pk"), tag_id__in=tag_ids)))


class FilterRegistry:
    def __init__(self):
        self.fields: dict[str, FilterField] = {}

    def register(self, field: FilterField) -> None:
        assert field.name not in self.fields, f"filter {field.name} registered twice"
        self.fields[field.name] = field

    def parse(self, params: Mapping[str, str], tz: ZoneInfo, *, ignore: frozenset = frozenset()) -> Q:
        """Turn query parameters into one Q; unknown names and bad values are 400s."""
        query, errors = Q(), {}
        for key, raw in params.items():
            if key in ignore or raw == "":
                continue
            name, _separator, operator = key.partition("__")
            operator = operator or "exact"
            field = self.fields.get(name)
            if field is None or operator not in field.operators:
                errors[key] = [_("Unknown filter or operator.")]
                continue
            try:
                value = self._value(field, operator, raw, tz)
            except (ValueError, InvalidOperation):
                errors[key] = [_("Not a valid value, or out of range.")]
                continue
            query &= field.q(operator, value, tz)
        if errors:
            raise FilterInvalid(errors)
        return query

    @staticmethod
    def _value(field: FilterField, operator: str, raw: str, tz: ZoneInfo):
        if operator != "in":
            return field.parse(raw, tz)
        values = [field.parse(part, tz) for part in raw.split(",") if part.strip()]
        if not values or len(values) > MAX_IN_VALUES:
            raise ValueError(raw)
        return values


RANGE = ("exact", "gte", "lte")
CUSTOMER_FILTER_FIELDS = (
    FilterField("tag", "customer_tags__tag_id", "id", ("exact", "in"), build=_tag_q),
    FilterField("total_spent", "total_spent", "decimal", RANGE),
    FilterField("orders_count", "orders_count", "int", RANGE),
    FilterField("refunds_count", "refunds_count", "int", RANGE),
    FilterField("last_order_at", "last_order_at", "date", RANGE),
    FilterField("first_order_at", "first_order_at", "date", RANGE),
    FilterField("created_at", "created_at", "date", RANGE),
    FilterField("channel", "source_channel", "text", ("exact", "in"), choices=tuple(Channel.values)),
    FilterField("gender", "gender", "text", ("exact",), choices=tuple(Gender.values)),
    FilterField("province", "province", "text", ("exact", "in")),
    FilterField("city", "city", "text", ("exact", "in")),
    FilterField("district", "district", "text", ("exact",)),
    FilterField("is_automated_targeting_refused", "is_automated_targeting_refused", "bool"),
)
