"""Exactly once, against a real SMTP server and committed data: a dispatcher run twice,
two at once in real threads, and a dispatcher process killed mid-batch then restarted."""

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from crm.tenancy.context import shop_scope
from messaging.models import Channel, Message, MessageStatus, Purpose
from messaging.services.dispatch import outbox_dispatch
from messaging.services.outbox import message_enqueue
from tests.concurrency import run_in_threads
from tests.conftest import make_shop
from tests.customers.factories import CustomerFactory
from tests.messaging.conftest import ALL_CONSENTS, consent_grant

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 24


class SlowInbox:
    """Keeps what it receives; each message takes `delay` seconds to accept."""

    def __init__(self, delay: float = 0.0):
        self.delay, self.received = delay, []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        await asyncio.sleep(self.delay)
        self.received.append(email.message_from_bytes(envelope.content)["Message-ID"])
        return "250 OK"

    def message_ids(self) -> Counter:
        # Message-ID is <shopcrm.<shop>.<message>.<attempt>@...>: count per message.
        return Counter(int(value.split(".")[2]) for value in self.received)


def smtp_server(settings, delay: float = 0.0):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = SlowInbox(delay)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    return inbox, controller


def shop_with_due_emails(slug: str) -> tuple:
    shop = make_shop(slug, f"owner@{slug}.example")
    with shop_scope(shop.pk):
        for number in range(MESSAGES):
            customer = CustomerFactory(shop=shop)
            consent_grant(shop, customer, *ALL_CONSENTS)
            message_enqueue(shop=shop, customer=customer, rule="care.test", occasion="o1", channel=Channel.EMAIL,
                            purpose=Purpose.CARE, subject="Hi", body=f"message {number}")  # fmt: skip
        ids = set(Message.objects.values_list("pk", flat=True))
    return shop, ids


def statuses(shop) -> dict[int, str]:
    with shop_scope(shop.pk):
        return dict(Message.objects.values_list("pk", "status"))


@pytest.mark.django_db(transaction=True)
def test_dispatching_twice_in_a_row_sends_each_message_once(settings):
    inbox, controller = smtp_server(settings)
    try:
        shop, ids = shop_with_due_emails("msg-twice")
        first, second = outbox_dispatch(shop), outbox_dispatch(shop)
    finally:
        controller.stop()
    assert (first["sent"], second["sent"]) == (MESSAGES, 0)
    assert inbox.message_ids() == Counter(dict.fromkeys(ids, 1))


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_each_message_once(settings):
    inbox, controller = smtp_server(settings, delay=0.02)
    try:
        shop, ids = shop_with_due_emails("msg-race")
        summaries = run_in_threads(lambda index: outbox_dispatch(shop), 2)
    finally:
        controller.stop()
    assert sum(summary["sent"] for summary in summaries) == MESSAGES
    assert inbox.message_ids() == Counter(dict.fromkeys(ids, 1))
    assert set(statuses(shop).values()) == {MessageStatus.SENT}


DISPATCHER = """
import sys, django
django.setup()
from crm.models import Shop
from messaging.services.dispatch import outbox_dispatch
outbox_dispatch(Shop.objects.get(pk=int(sys.argv[1])))
"""


@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_killed_mid_batch_then_restarted_sends_none_twice(settings):
    inbox, controller = smtp_server(settings, delay=0.15)
    try:
        shop, ids = shop_with_due_emails("msg-killed")
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test", "EMAIL_HOST": "127.0.0.1",
                       "EMAIL_PORT": str(settings.EMAIL_PORT)}  # fmt: skip
        process = subprocess.Popen([sys.executable, "-c", DISPATCHER, str(shop.pk)], cwd=ROOT, env=environment)
        deadline = time.monotonic() + 60
        while len(inbox.received) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed_at = len(inbox.received)
        assert 5 <= killed_at < MESSAGES, "the kill must land mid-batch"
        # The restart: a later round finds the dead process's claims abandoned.
        restarted = outbox_dispatch(shop, now=timezone.now() + timedelta(minutes=16))
    finally:
        controller.stop()
    final = statuses(shop)
    received = inbox.message_ids()
    assert max(received.values()) == 1  # none twice
    assert set(final.values()) <= {MessageStatus.SENT, MessageStatus.UNKNOWN}
    assert all(received[message_id] == 1 for message_id, status in final.items() if status == MessageStatus.SENT)
    # At most the one message in the provider's hands when the process died is unknown;
    # everything it had claimed but not handed over went back to the queue and out.
    assert list(final.values()).count(MessageStatus.UNKNOWN) == restarted["unknown"] <= 1
    assert set(final) == ids
