"""The SLA breach scanner: warns a ticket's assignee shortly before a due time and escalates
to the shop's managers when it passes, each once per ticket, target, kind and due time.

The notices are written by one INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING over
the running due times, so two scanners at once write each notice once and only the one
that wrote it emails it. Email is claim -> commit -> send -> commit outcome: a notice left
"sending" (the process died during the send) is visible and never resent by itself."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.models import Membership, Role, Shop
from crm.platform.locks import rows_claim
from crm.tenancy.context import shop_scope
from tickets.models import EmailStatus, NoticeKind, SlaNotice, Ticket, TicketStatus
from tickets.services.sla import sla_policies_get

logger = logging.getLogger(__name__)
EMAIL_BATCH = 50

# Running due times of the active tickets (paused ones have none: the workflow's `due_at`
# is null while waiting), one row per target, and the notice each calls for now.
_SCAN_SQL = """
INSERT INTO {notice} (shop_id, ticket_id, target, kind, due_at, recipient_id, email_status, email_error, created_at)
SELECT s.shop_id, s.id, s.target, s.kind, s.due_at, CASE WHEN s.kind = 'warning' THEN s.assignee_id END,
       'pending', '', %(now)s
FROM (
    SELECT t.shop_id, t.id, t.assignee_id, d.target, d.due_at, CASE
        WHEN d.due_at <= %(now)s THEN 'breach'
        WHEN t.assignee_id IS NOT NULL AND d.due_at <= %(now)s + w.minutes * interval '1 minute' THEN 'warning'
    END AS kind
    FROM {ticket} t
    JOIN (SELECT * FROM unnest(%(severities)s::int[], %(warnings)s::int[])) AS w(severity, minutes)
      ON w.severity = t.severity
    CROSS JOIN LATERAL (VALUES
        ('first_reply', CASE WHEN t.first_replied_at IS NULL THEN t.first_reply_due_at END),
        ('next_reply', t.next_reply_due_at),
        ('resolution', t.resolution_due_at)
    ) AS d(target, due_at)
    WHERE t.shop_id = %(shop_id)s AND t.status IN ('new', 'open') AND t.due_at <= %(horizon)s
) AS s
WHERE s.kind IS NOT NULL
ON CONFLICT (shop_id, ticket_id, target, kind, due_at) DO NOTHING
RETURNING id
"""


@dataclass(frozen=True)
class ScanResult:
    warnings: int
    breaches: int
    emails_sent: int


def sla_notices_create(*, shop: Shop, now: datetime) -> list[int]:
    """Write the notices due at `now` that no scanner wrote yet; the ids this call wrote."""
    policies = sla_policies_get(shop=shop)
    severities = sorted(policies)
    warnings = [policies[severity].warning_minutes for severity in severities]
    horizon = now + timedelta(minutes=max(warnings))
    sql = _SCAN_SQL.format(notice=SlaNotice._meta.db_table, ticket=Ticket._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {"shop_id": shop.pk, "now": now, "horizon": horizon, "severities": severities, "warnings": warnings},
        )
        return [row[0] for row in cursor.fetchall()]


def _manager_emails(shop: Shop) -> list[str]:
    memberships = Membership.objects.filter(shop=shop, role__in=(Role.MANAGER, Role.OWNER)).select_related("user")
    return sorted({membership.user.email for membership in memberships if membership.user.email})


def ticket_url(shop: Shop, ticket: Ticket) -> str:
    return reverse("tickets:detail", kwargs={"shop_slug": shop.slug, "ticket_id": ticket.pk})


def _message(shop: Shop, notice: SlaNotice, managers: list[str]) -> EmailMessage | None:
    ticket = notice.ticket
    recipients = managers if notice.kind == NoticeKind.BREACH else [notice.recipient.email]
    if not any(recipients):
        return None
    with translation.override(shop.language), timezone.override(shop.tzinfo):
        values = {
            "number": ticket.number,
            "subject": ticket.subject,
            "target": notice.get_target_display(),
            "due": timezone.localtime(notice.due_at).strftime("%Y-%m-%d %H:%M"),
            "url": settings.SITE_URL + ticket_url(shop, ticket),
        }
        if notice.kind == NoticeKind.BREACH:
            subject = _("SLA breached: ticket #%(number)s (%(target)s)") % values
            body = _("Ticket #%(number)s “%(subject)s” missed its %(target)s target due at %(due)s.\n%(url)s") % values
        else:
            subject = _("SLA warning: ticket #%(number)s (%(target)s)") % values
            body = _("Ticket #%(number)s “%(subject)s” is due for %(target)s at %(due)s.\n%(url)s") % values
    return EmailMessage(subject=subject, body=body, to=recipients)


def _claim_emails(shop: Shop) -> list[tuple[int, EmailMessage | None]]:
    """Claim a batch of pending notices (marked "sending" when this returns) and their mail."""
    with shop_scope(shop.pk):
        pending = SlaNotice.objects.filter(email_status=EmailStatus.PENDING).order_by("id")[:EMAIL_BATCH]
        claimed = rows_claim(pending.select_related("ticket", "recipient"))
        SlaNotice.objects.filter(pk__in=[notice.pk for notice in claimed]).update(email_status=EmailStatus.SENDING)
        managers = _manager_emails(shop) if claimed else []
        return [(notice.pk, _message(shop, notice, managers)) for notice in claimed]


def sla_notice_emails_send(*, shop: Shop) -> int:
    """Email the pending notices, each claimed before and recorded after its send; call it
    outside any transaction."""
    sent = 0
    while claimed := _claim_emails(shop):
        for notice_id, message in claimed:
            outcome, error = EmailStatus.NONE, ""
            if message is not None:
                try:
                    message.send()
                    outcome, sent = EmailStatus.SENT, sent + 1
                except OSError as exc:  # smtplib's errors are OSErrors too
                    outcome, error = EmailStatus.FAILED, str(exc)[:300]
                    logger.warning("tickets.sla_email.failed", extra={"shop_id": shop.pk, "notice_id": notice_id})
            with shop_scope(shop.pk):
                SlaNotice.objects.filter(pk=notice_id).update(email_status=outcome, email_error=error)
    return sent


def sla_breaches_scan(*, shop: Shop, now: datetime | None = None) -> ScanResult:
    """One scan of the shop: write the due notices (committed), then email them."""
    now = now or timezone.now()
    with shop_scope(shop.pk):
        created = sla_notices_create(shop=shop, now=now)
        kinds = list(SlaNotice.objects.filter(pk__in=created).values_list("kind", flat=True))
    emails_sent = sla_notice_emails_send(shop=shop)
    result = ScanResult(kinds.count(NoticeKind.WARNING), kinds.count(NoticeKind.BREACH), emails_sent)
    logger.info("tickets.sla_scan.done", extra={"shop_id": shop.pk, **vars(result)})
    return result


def sla_notices_recent(*, shop: Shop, since: datetime, limit: int = 5) -> list[SlaNotice]:
    """Escalations since `since` whose ticket is still being worked on, newest first."""
    breaches = SlaNotice.objects.filter(
        shop=shop, kind=NoticeKind.BREACH, created_at__gte=since, ticket__status__in=TicketStatus.active()
    )
    return list(breaches.select_related("ticket").order_by("-created_at")[:limit])
