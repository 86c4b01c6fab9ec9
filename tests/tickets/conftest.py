import pytest

from crm.models import Role
from crm.tenancy.context import shop_scope
from tests.conftest import make_user
from tests.tickets.payloads import ticket_payload
from tickets.services import ticket_open_from_payload


def open_ticket(shop, **changes):
    """A ticket of `shop`, opened as the storefront would (outside any scope)."""
    with shop_scope(shop.pk):
        return ticket_open_from_payload(shop=shop, raw=ticket_payload(**changes), can_set_severity=True)


@pytest.fixture
def ticket(shop):
    return open_ticket(shop)


@pytest.fixture
def other_ticket(other_shop):
    return open_ticket(other_shop, subject="别家的投诉")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def second_agent(shop):
    return make_user("agent2@tea.example", Role.AGENT, shop)
