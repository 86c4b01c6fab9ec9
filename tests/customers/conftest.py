"""Fixtures for customers/ tests: a few customers in `shop` and one in `other_shop`."""

import pytest

from crm.tenancy.context import shop_scope
from tests.customers.factories import CustomerFactory, TagFactory


@pytest.fixture
def customer(shop):
    with shop_scope(shop.pk):
        return CustomerFactory(shop=shop, name="王芳", phone="+8613800138000", email="wf@example.com")


@pytest.fixture
def tag(shop):
    with shop_scope(shop.pk):
        return TagFactory(shop=shop, name="VIP", color="#dc2626")


@pytest.fixture
def other_customer(other_shop):
    with shop_scope(other_shop.pk):
        return CustomerFactory(shop=other_shop, name="李雷", phone="+8613900139000", email="ll@example.com")


@pytest.fixture
def other_tag(other_shop):
    with shop_scope(other_shop.pk):
        return TagFactory(shop=other_shop, name="Other VIP")
