"""The order list filters, shared by the API, the staff pages and the CSV export.

An allow-list: each query parameter has its own parser and ORM condition; nothing from
the request reaches `filter()` as a key, so no request can name a private field or traverse
a relation.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.translation import gettext as _

from crm.models import Shop
from crm.platform.channels import ORDER_CHANNEL_VALUES
from crm.platform.dates import date_within_bounds
from crm.tenancy.context import require_shop_id
from customers.models import Customer
from customers.selectors.search import customer_search_q
from orders.models import OrderStatus

FILTER_PARAMS = ("customer", "customer_search", "status", "channel", "placed_after", "placed_before", "q")


class FilterInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class OrderFilters:
    customer: int | None = None
    customer_search: str = ""  # the customer's name, phone, email or storefront id
    status: str = ""
    channel: str = ""
    placed_after: datetime | None = None
    placed_before: datetime | None = None
    q: str = ""

    def condition(self) -> Q:
        condition = Q()
        if self.customer is not None:
            condition &= Q(customer_id=self.customer)
        if self.customer_search:
            # The customers list's own search (name, phone, email, storefront id), in the shop in scope.
            shop = Shop(pk=require_shop_id())
            condition &= Q(customer__in=Customer.objects.filter(customer_search_q(self.customer_search, shop=shop)))
        if self.status:
            condition &= Q(status=self.status)
        if self.channel:
            condition &= Q(channel=self.channel)
        if self.placed_after is not None:
            condition &= Q(placed_at__gte=self.placed_after)
        if self.placed_before is not None:
            condition &= Q(placed_at__lt=self.placed_before)
        if self.q:
            condition &= Q(external_id__startswith=self.q)
        return condition

    def as_params(self) -> dict[str, str]:
        """The query string that reproduces these filters (for export links and paging)."""
        values = {name: getattr(self, name) for name in FILTER_PARAMS}
        return {name: _param(value) for name, value in values.items() if value not in (None, "")}


def _param(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _moment(raw: str, tz: ZoneInfo, *, end_of_day: bool) -> datetime:
    """`2026-11-01` is that day in the shop's zone (its end, for an upper bound);
    a full ISO datetime without offset is also read in the shop's zone."""
    is_day = len(raw) == 10
    moment = datetime.combine(date.fromisoformat(raw), time(), tzinfo=tz) if is_day else datetime.fromisoformat(raw)
    if not date_within_bounds(moment.date()):
        raise ValueError(raw)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=tz)
    return moment + timedelta(days=1) if is_day and end_of_day else moment


def order_filters_parse(params, tz: ZoneInfo) -> OrderFilters:
    """Parse a QueryDict (or dict); raises FilterInvalid naming each bad parameter."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    raw = {name: (params.get(name) or "").strip() for name in FILTER_PARAMS}
    if raw["customer"]:
        if raw["customer"].isdigit() and len(raw["customer"]) < 19:
            values["customer"] = int(raw["customer"])
        else:
            errors["customer"] = [_("Must be a customer id.")]
    for name, choices in (("status", OrderStatus.values), ("channel", ORDER_CHANNEL_VALUES)):
        if raw[name] and raw[name] not in choices:
            errors[name] = [_("Must be one of: %(choices)s.") % {"choices": ", ".join(choices)}]
        elif raw[name]:
            values[name] = raw[name]
    for name in ("placed_after", "placed_before"):
        if raw[name]:
            try:
                values[name] = _moment(raw[name], tz, end_of_day=name == "placed_before")
            except ValueError:
                errors[name] = [_("Must be a date (2026-11-01) or an ISO 8601 date and time, from 1900 to 2999.")]
    for name in ("q", "customer_search"):
        if len(raw[name]) > 128:
            errors[name] = [_("At most 128 characters.")]
        elif raw[name]:
            values[name] = raw[name]
    if errors:
        raise FilterInvalid(errors)
    return OrderFilters(**values)
