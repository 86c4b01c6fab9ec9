"""The Celery entry points: one round per shop, fanned out by beat every minute."""

import pytest
from celery.schedules import crontab
from django.utils import timezone

from crm.celery import app
from crm.tenancy.context import ShopScopeError, shop_scope
from messaging import tasks
from messaging.models import Channel, Message, MessageStatus, Purpose
from messaging.services.outbox import message_enqueue


def enqueue(shop, customer):
    with shop_scope(shop.pk):
        return message_enqueue(shop=shop, customer=customer, rule="care.test", occasion="o1", channel=Channel.SMS,
                               purpose=Purpose.CARE, body="你好{customer_name}", send_after=timezone.now())  # fmt: skip


def test_the_task_sends_its_shops_due_messages_only(shop, customer, other_shop, other_customer, sms_outbox):
    mine, theirs = enqueue(shop, customer), enqueue(other_shop, other_customer)
    summary = tasks.outbox_dispatch_task(shop.pk)
    assert summary["sent"] == 1
    with shop_scope(shop.pk):
        assert Message.objects.get(pk=mine.pk).status == MessageStatus.SENT
    with shop_scope(other_shop.pk):
        assert Message.objects.get(pk=theirs.pk).status == MessageStatus.QUEUED


def test_the_task_refuses_to_run_without_a_shop_id():
    with pytest.raises(ShopScopeError):
        tasks.outbox_dispatch_task(None)


def test_beat_fans_out_one_task_per_shop_every_minute(shop, other_shop, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.outbox_dispatch_task, "delay", queued.append)
    assert tasks.outbox_dispatch_every_shop_task() == 2
    assert sorted(queued) == sorted([shop.pk, other_shop.pk])
    entry = app.conf.beat_schedule["messaging-outbox-dispatch"]
    assert (entry["task"], entry["schedule"]) == ("messaging.outbox_dispatch_every_shop", crontab())
