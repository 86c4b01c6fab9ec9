"""Tickets for the SLA tests. They require a shop (pass `shop=`) and never create one; call
them inside that shop's scope."""

from datetime import timedelta

import factory

from tests.customers.factories import CustomerFactory
from tickets.models import CsatSurvey, Ticket, TicketCategory


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


class CsatSurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CsatSurvey

    resolution = 1
    status = "answered"
    send_after = factory.LazyAttribute(lambda survey: survey.ticket.resolved_at)
    expires_at = factory.LazyAttribute(lambda survey: survey.ticket.resolved_at + timedelta(days=7))
    answered_at = factory.LazyAttribute(lambda survey: survey.ticket.resolved_at + timedelta(days=1))
