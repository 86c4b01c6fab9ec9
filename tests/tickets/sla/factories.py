"""Tickets for the SLA tests. They require a shop (pass `shop=`) and never create one; call
them inside that shop's scope."""

import factory

from tests.customers.factories import CustomerFactory
from tickets.models import Ticket, TicketCategory


class TicketCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketCategory
        django_get_or_create = ("shop", "code")

    code = "quality"


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    number = factory.Sequence(lambda n: n + 1)
    customer = factory.LazyAttribute(lambda ticket: CustomerFactory(shop=ticket.shop))
    category = factory.LazyAttribute(lambda ticket: TicketCategoryFactory(shop=ticket.shop))
    channel = "form"
    subject = factory.Sequence(lambda n: f"投诉 {n}")
    status = "open"
    severity = 2
