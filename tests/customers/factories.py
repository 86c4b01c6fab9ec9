"""Factories for customers/ models. They require a shop (pass `shop=`) and never create
one; call them inside that shop's scope."""

import factory

from customers.models import Customer, CustomerNote, Tag


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"客户{n}")
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    city = "杭州"
    province = "浙江"
    source_channel = "web"


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")
    color = "#2563eb"


class CustomerNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerNote

    body = factory.Sequence(lambda n: f"note {n}")
