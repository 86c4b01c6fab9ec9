"""The breach scanner: a warning to the assignee before a due time, an escalation to the
managers at it, each once, even with two scanners at once; emails through a real SMTP server."""

import io
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from crm.models import Role
from crm.tenancy.context import shop_scope
from tests.concurrency import run_in_threads
from tests.conftest import make_shop, make_user
from tests.smtp import body_of, smtp_inbox  # noqa: F401 (fixture)
from tests.tickets.sla.factories import TicketFactory
from tickets.models import SlaNotice
from tickets.services.breaches import sla_breaches_scan
from tickets.tasks import sla_breaches_scan_task

NOW = timezone.now().replace(microsecond=0)


def shop_with_staff(slug):
    shop = make_shop(slug, f"owner@{slug}.example")
    make_user(f"manager@{slug}.example", Role.MANAGER, shop)
    agent = make_user(f"agent@{slug}.example", Role.AGENT, shop)
    return shop, agent


def ticket_due(shop, agent, *, first_reply_in, status="open", **fields):
    with shop_scope(shop.pk):
        return TicketFactory(
            shop=shop, assignee=agent, status=status, severity=2, opened_at=NOW - timedelta(hours=1),
            first_reply_due_at=NOW + first_reply_in, resolution_due_at=NOW + timedelta(days=3), **fields,
        )  # fmt: skip


def notices(shop):
    with shop_scope(shop.pk):
        return sorted(
            SlaNotice.objects.values_list("ticket__number", "target", "kind", "recipient__email", "email_status")
        )


@pytest.mark.django_db(transaction=True)
def test_warning_then_escalation_each_once_by_email(smtp_inbox):  # noqa: F811
    shop, agent = shop_with_staff("sla-scan")
    ticket = ticket_due(shop, agent, first_reply_in=timedelta(minutes=20))  # severity 2 warns 30 min before

    assert sla_breaches_scan(shop=shop, now=NOW).warnings == 1
    assert sla_breaches_scan(shop=shop, now=NOW + timedelta(minutes=5)).warnings == 0
    assert notices(shop) == [(ticket.number, "first_reply", "warning", "agent@sla-scan.example", "sent")]
    assert [message["To"] for message in smtp_inbox] == ["agent@sla-scan.example"]

    result = sla_breaches_scan(shop=shop, now=NOW + timedelta(minutes=21))
    assert (result.warnings, result.breaches, result.emails_sent) == (0, 1, 1)
    assert sla_breaches_scan(shop=shop, now=NOW + timedelta(minutes=30)).breaches == 0
    escalation = smtp_inbox[-1]
    assert escalation["To"] == "manager@sla-scan.example, owner@sla-scan.example"
    subject = str(make_header(decode_header(escalation["Subject"])))
    assert subject == f"SLA 已超时：工单 #{ticket.number}（首次回复）"  # in the shop's language
    assert f"/s/{shop.slug}/tickets/{ticket.pk}/" in body_of(escalation)
    assert len(smtp_inbox) == 2


@pytest.mark.django_db(transaction=True)
def test_paused_resolved_and_unassigned_tickets(smtp_inbox):  # noqa: F811
    shop, agent = shop_with_staff("sla-quiet")
    ticket_due(shop, agent, first_reply_in=timedelta(minutes=-5), status="waiting", sla_paused_at=NOW)
    ticket_due(shop, agent, first_reply_in=timedelta(minutes=-5), status="resolved")
    ticket_due(shop, agent, first_reply_in=timedelta(minutes=-5), first_replied_at=NOW - timedelta(minutes=30))
    unassigned = ticket_due(shop, None, first_reply_in=timedelta(minutes=10))

    result = sla_breaches_scan(shop=shop, now=NOW)

    assert (result.warnings, result.breaches) == (0, 0)  # nobody to warn; the rest is not running
    result = sla_breaches_scan(shop=shop, now=NOW + timedelta(minutes=11))
    assert notices(shop) == [(unassigned.number, "first_reply", "breach", None, "sent")]


@pytest.mark.django_db(transaction=True)
def test_two_scanners_at_once_write_and_send_each_notice_once(smtp_inbox):  # noqa: F811
    shop, agent = shop_with_staff("sla-race")
    for minutes in range(-10, 10):
        ticket_due(shop, agent, first_reply_in=timedelta(minutes=minutes))

    results = run_in_threads(lambda index: sla_breaches_scan(shop=shop, now=NOW), 2)

    assert sum(result.breaches for result in results) == 11  # due at or before NOW
    assert sum(result.warnings for result in results) == 9
    assert sum(result.emails_sent for result in results) == 20 == len(smtp_inbox)
    assert len(notices(shop)) == 20 and {notice[4] for notice in notices(shop)} == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_a_shops_scan_task_leaves_another_shop_alone(smtp_inbox):  # noqa: F811
    shop, agent = shop_with_staff("sla-mine")
    other_shop, other_agent = shop_with_staff("sla-theirs")
    ticket_due(shop, agent, first_reply_in=timedelta(minutes=-1))
    ticket_due(other_shop, other_agent, first_reply_in=timedelta(minutes=-1))

    sla_breaches_scan_task(shop.pk)

    assert len(notices(shop)) == 1
    assert notices(other_shop) == []
    assert all("sla-mine" in message["To"] for message in smtp_inbox)


@pytest.mark.django_db(transaction=True)
def test_a_failed_email_is_recorded_not_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    shop, agent = shop_with_staff("sla-down")
    ticket_due(shop, agent, first_reply_in=timedelta(minutes=-1))

    assert sla_breaches_scan(shop=shop, now=NOW).emails_sent == 0
    assert sla_breaches_scan(shop=shop, now=NOW).emails_sent == 0
    assert [notice[4] for notice in notices(shop)] == ["failed"]


@pytest.mark.django_db(transaction=True)
def test_rehearsal_command_and_the_overview_show_the_escalation(client, smtp_inbox):  # noqa: F811
    shop, agent = shop_with_staff("sla-rehearse")
    ticket = ticket_due(shop, agent, first_reply_in=timedelta(hours=2))
    out = io.StringIO()

    call_command("tickets_scan", shop.slug, "--at", (NOW + timedelta(hours=3)).isoformat(), stdout=out)

    assert out.getvalue().strip() == "sla-rehearse: 0 warnings, 1 escalations, 1 emails"
    with pytest.raises(CommandError):
        call_command("tickets_scan", "no-such-shop")
    client.force_login(make_user("manager@sla-rehearse.example"))
    with translation.override("en"):
        page = client.get(f"/s/{shop.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Ticket #{ticket.number} missed its First reply target" in page
