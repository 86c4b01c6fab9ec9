"""The demo shop's tickets: every state, several severities, macros, compensation (one waiting
for approval), a handover note and an answered survey; seeding twice adds nothing."""

import pytest

from crm.models import Role
from crm.tenancy.context import shop_scope
from orders.demo import demo_orders_seed
from tests.conftest import make_user
from tickets.demo import demo_tickets_seed
from tickets.models import Compensation, CsatSurvey, Macro, Ticket, TicketStatus

pytestmark = pytest.mark.django_db


def test_demo_tickets_show_every_feature(shop):
    make_user("agent@demo.example", Role.AGENT, shop)
    make_user("manager@demo.example", Role.MANAGER, shop)
    with shop_scope(shop.pk):
        demo_orders_seed(shop=shop, customers=40)
        demo_tickets_seed(shop=shop)
        demo_tickets_seed(shop=shop)
        tickets = list(Ticket.objects.all())
        assert {ticket.status for ticket in tickets} == set(TicketStatus.values)
        assert len({ticket.severity for ticket in tickets}) >= 3
        assert any(ticket.handover_note for ticket in tickets)
        assert Macro.objects.count() == 2
        assert Compensation.objects.filter(status="pending").exists()
        assert Compensation.objects.filter(status="applied").exists()
        assert CsatSurvey.objects.filter(status="answered", score=4).exists()
