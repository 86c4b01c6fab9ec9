"""The allow-list filter layer, without the database."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q

from customers.filters import FilterField, FilterInvalid, FilterRegistry
from customers.registry import CUSTOMER_FILTERS

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_unknown_names_operators_and_values_are_refused():
    with pytest.raises(FilterInvalid) as error:
        CUSTOMER_FILTERS.parse(
            {"password__startswith": "x", "total_spent__regex": "1", "orders_count__gte": "many", "gender": "robot"},
            SHANGHAI,
        )
    assert set(error.value.errors) == {"password__startswith", "total_spent__regex", "orders_count__gte", "gender"}


def test_traversal_through_double_underscores_is_not_a_path():
    with pytest.raises(FilterInvalid):
        CUSTOMER_FILTERS.parse({"shop__slug": "other"}, SHANGHAI)
    with pytest.raises(FilterInvalid):
        CUSTOMER_FILTERS.parse({"city__shop__slug": "other"}, SHANGHAI)


def test_dates_are_whole_days_in_the_shop_timezone():
    query = CUSTOMER_FILTERS.parse({"last_order_at__lte": "2026-11-11"}, SHANGHAI)
    assert query == Q(last_order_at__lt=datetime(2026, 11, 12, tzinfo=SHANGHAI))


def test_in_lists_are_bounded():
    with pytest.raises(FilterInvalid):
        CUSTOMER_FILTERS.parse({"city__in": ",".join(str(n) for n in range(51))}, SHANGHAI)
    assert CUSTOMER_FILTERS.parse({"city__in": "上海,北京"}, SHANGHAI) == Q(city__in=["上海", "北京"])


def test_later_features_register_their_fields():
    registry = FilterRegistry()
    registry.register(FilterField("clv", "score__clv", "decimal", ("gte", "lte")))
    assert registry.parse({"clv__gte": "100.5"}, SHANGHAI) == Q(score__clv__gte=Decimal("100.5"))
    with pytest.raises(AssertionError):
        registry.register(FilterField("clv", "x", "int"))


def test_ignored_and_empty_params_pass():
    assert (
        CUSTOMER_FILTERS.parse({"q": "x", "cursor": "y", "city": ""}, SHANGHAI, ignore=frozenset({"q", "cursor"}))
        == Q()
    )
