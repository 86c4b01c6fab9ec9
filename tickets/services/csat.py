"""Satisfaction surveys: one per resolution, sent `csat_delay_hours` after it, answered once
through a signed link that expires; a reopen cancels a survey not sent yet."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.platform.locks import rows_claim
from crm.platform.text import text_problem
from crm.shops.audit import audit_event_record
from crm.tenancy.context import shop_scope
from tickets.models import CsatSurvey, SurveyStatus, Ticket, TicketSettings
from tickets.notify import survey_message_enqueue

SALT = "tickets.csat"
SEND_BATCH = 500
MAX_COMMENT = 2000


class CsatInvalid(ValueError):
    """Why a survey answer is refused; `field` names the input at fault ("token" for the link)."""

    def __init__(self, field: str, reason: str, *, status: int = 422):
        super().__init__(reason)
        self.field, self.reason, self.status = field, reason, status


def csat_token(survey: CsatSurvey) -> str:
    """The survey's link token: its shop and id, signed (the shop is known before any query)."""
    return signing.dumps([survey.shop_id, survey.pk], salt=SALT, compress=True)


def _token_read(token: str) -> tuple[int, int]:
    try:
        shop_id, survey_id = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise CsatInvalid("token", _("This survey link is not valid."), status=404) from None
    if not all(type(value) is int and value > 0 for value in (shop_id, survey_id)):
        raise CsatInvalid("token", _("This survey link is not valid."), status=404)
    return shop_id, survey_id


def survey_schedule(ticket: Ticket, *, ticket_settings: TicketSettings, at: datetime) -> CsatSurvey:
    send_after = at + timedelta(hours=ticket_settings.csat_delay_hours)
    return CsatSurvey.objects.create(
        shop_id=ticket.shop_id,
        ticket=ticket,
        resolution=ticket.resolution_count,
        send_after=send_after,
        expires_at=send_after + timedelta(days=ticket_settings.csat_valid_days),
        created_at=at,
    )


def survey_cancel_unsent(ticket: Ticket, *, at: datetime) -> int:
    return CsatSurvey.objects.filter(ticket=ticket, status=SurveyStatus.SCHEDULED, sent_at__isnull=True).update(
        status=SurveyStatus.CANCELLED
    )


def surveys_send_due(*, shop, now: datetime) -> int:
    """Hand the surveys whose time has come to messaging, each claimed once (two runs at once
    send each survey once); returns how many went."""
    with transaction.atomic():
        due = rows_claim(
            CsatSurvey.objects.filter(status=SurveyStatus.SCHEDULED, sent_at__isnull=True, send_after__lte=now)
            .select_related("ticket__customer").order_by("send_after")[:SEND_BATCH]
        )  # fmt: skip
        for survey in due:
            survey_message_enqueue(
                survey, link_url=settings.SITE_URL + reverse("survey:answer", args=[csat_token(survey)])
            )
            survey.sent_at = now
            survey.save(update_fields=["sent_at"])
    return len(due)


def _survey_state_check(survey: CsatSurvey | None, now: datetime) -> None:
    if survey is None:
        raise CsatInvalid("token", _("This survey link is not valid."), status=404)
    if survey.status == SurveyStatus.ANSWERED:
        raise CsatInvalid("token", _("This survey was already answered. Thank you!"), status=409)
    if survey.status == SurveyStatus.CANCELLED:
        raise CsatInvalid("token", _("This survey was withdrawn: the ticket was reopened."), status=410)
    if survey.expires_at <= now:
        raise CsatInvalid("token", _("This survey link has expired."), status=410)


def csat_survey_for_token(token: str, *, now: datetime | None = None) -> dict:
    """What the public survey page shows: {"shop_name", "ticket_subject"}; CsatInvalid when
    the link cannot be answered."""
    shop_id, survey_id = _token_read(token)
    with shop_scope(shop_id):
        survey = CsatSurvey.objects.select_related("ticket", "shop").filter(pk=survey_id).first()
        _survey_state_check(survey, now or timezone.now())
        return {"shop_name": survey.shop.name, "ticket_subject": survey.ticket.subject}


def csat_answer(*, token: str, score, comment, now: datetime | None = None) -> CsatSurvey:
    """Record the one answer of the survey behind `token` (a conditional update, so two
    submissions at once record one)."""
    now = now or timezone.now()
    shop_id, survey_id = _token_read(token)
    if isinstance(score, str) and score.isdigit():
        score = int(score)
    if type(score) is not int or not 1 <= score <= 5:
        raise CsatInvalid("score", _("An integer from 1 (very unhappy) to 5 (very happy)."))
    comment = comment.strip() if isinstance(comment, str) else comment
    if comment in (None, ""):
        comment = ""
    elif not isinstance(comment, str) or len(comment) > MAX_COMMENT or text_problem(comment):
        raise CsatInvalid("comment", _("Text of at most %(limit)d characters.") % {"limit": MAX_COMMENT})
    with shop_scope(shop_id), transaction.atomic():
        survey = CsatSurvey.objects.filter(pk=survey_id).first()
        _survey_state_check(survey, now)
        answered = CsatSurvey.objects.filter(pk=survey_id, status=SurveyStatus.SCHEDULED, expires_at__gt=now).update(
            status=SurveyStatus.ANSWERED, score=score, comment=comment, answered_at=now
        )
        if not answered:
            raise CsatInvalid("token", _("This survey was already answered. Thank you!"), status=409)
        survey.refresh_from_db()
        audit_event_record(action="ticket.csat", obj=survey, changes={"score": score})
        return survey
