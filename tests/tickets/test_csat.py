"""Satisfaction surveys: one per resolution, through a signed link that works once, expires,
and is withdrawn when the ticket is reopened before it was sent. No key is needed."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from crm.tenancy.context import shop_scope
from messaging.models import Message
from tests.concurrency import run_in_threads
from tests.conftest import make_shop
from tests.tickets.conftest import open_ticket
from tickets.models import CsatSurvey, SurveyStatus
from tickets.services import CsatInvalid, csat_answer, csat_token, surveys_send_due, ticket_transition


def _resolved(shop, ticket):
    with shop_scope(shop.pk):
        ticket_transition(shop=shop, ticket_id=ticket.pk, target="resolved")
        survey = CsatSurvey.objects.get(ticket=ticket, resolution=1)
        return survey, csat_token(survey)


def _answer(token, body):
    return APIClient().post(f"/api/v1/tickets/csat/{token}/", body, format="json")


@pytest.mark.django_db
def test_a_survey_is_scheduled_a_day_after_resolution_and_answered_once(shop, ticket):
    survey, token = _resolved(shop, ticket)
    assert survey.send_after - survey.created_at == timedelta(hours=24)
    first = _answer(token, {"score": 5, "comment": "很满意"})
    assert first.status_code == 201, first.json()
    assert first.json()["score"] == 5
    again = _answer(token, {"score": 1})
    assert again.status_code == 409
    with shop_scope(shop.pk):
        survey.refresh_from_db()
    assert (survey.status, survey.score, survey.comment) == (SurveyStatus.ANSWERED, 5, "很满意")


@pytest.mark.django_db
def test_an_expired_link_is_refused(shop, ticket):
    survey, token = _resolved(shop, ticket)
    with shop_scope(shop.pk):
        CsatSurvey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = _answer(token, {"score": 4})
    assert response.status_code == 410 and "expired" in response.json()["detail"]


@pytest.mark.django_db
def test_a_reopen_cancels_the_unsent_survey_and_the_next_resolution_gets_its_own(shop, ticket):
    first, token = _resolved(shop, ticket)
    with shop_scope(shop.pk):
        ticket_transition(shop=shop, ticket_id=ticket.pk, target="open")
        ticket_transition(shop=shop, ticket_id=ticket.pk, target="resolved")
        surveys = dict(CsatSurvey.objects.values_list("resolution", "status"))
    assert surveys == {1: SurveyStatus.CANCELLED, 2: SurveyStatus.SCHEDULED}
    assert _answer(token, {"score": 3}).status_code == 410


@pytest.mark.django_db
def test_a_due_survey_goes_to_messaging_once_with_its_link(shop, ticket):
    survey, token = _resolved(shop, ticket)
    with shop_scope(shop.pk):
        assert surveys_send_due(shop=shop, now=timezone.now()) == 0  # not due for a day
        later = survey.send_after + timedelta(minutes=1)
        assert surveys_send_due(shop=shop, now=later) == 1
        assert surveys_send_due(shop=shop, now=later) == 0
        message = Message.objects.get(rule="tickets.csat")
    assert message.purpose == "service" and message.occasion == f"{ticket.pk}:1"
    assert message.link_url.endswith(f"/survey/{token}/")
    assert "{short_link}" in message.body["zh-hans"] and "{short_link}" in message.body["en"]


@pytest.mark.django_db
def test_a_reopen_after_the_survey_went_out_keeps_it_answerable(shop, ticket):
    survey, token = _resolved(shop, ticket)
    with shop_scope(shop.pk):
        surveys_send_due(shop=shop, now=survey.send_after)
        ticket_transition(shop=shop, ticket_id=ticket.pk, target="open")
    assert _answer(token, {"score": 2}).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [({"score": 6}, "score"), ({"score": "five"}, "score"), ({}, "score"), ({"score": 4, "comment": "x" * 2001},
                                                                          "comment")],
)  # fmt: skip
def test_bad_answers_name_the_field(shop, ticket, body, field):
    _survey, token = _resolved(shop, ticket)
    response = _answer(token, body)
    assert response.status_code == 400 and field in response.json()["fields"]


@pytest.mark.django_db
def test_forged_or_tampered_tokens_are_not_found(shop, ticket, other_shop):
    _survey, token = _resolved(shop, ticket)
    assert _answer("garbage", {"score": 5}).status_code == 404
    assert _answer(token[:-2] + "xx", {"score": 5}).status_code == 404


@pytest.mark.django_db
def test_a_link_answers_only_its_own_shops_survey(shop, other_shop):
    mine, theirs = open_ticket(shop), open_ticket(other_shop)
    _resolved(shop, mine)
    their_survey, _token = _resolved(other_shop, theirs)
    # a token naming my shop with the other shop's survey id finds nothing
    forged = csat_token(CsatSurvey(shop_id=shop.pk, pk=their_survey.pk))
    assert _answer(forged, {"score": 1}).status_code == 404
    with shop_scope(other_shop.pk):
        assert CsatSurvey.objects.get(pk=their_survey.pk).status == SurveyStatus.SCHEDULED


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_record_one():
    shop = make_shop("tickets-csat-race", "owner@tickets-csat-race.example")
    ticket = open_ticket(shop)
    survey, token = _resolved(shop, ticket)

    def answer(index: int) -> bool:
        try:
            csat_answer(token=token, score=index % 5 + 1, comment="")
            return True
        except CsatInvalid:
            return False

    assert run_in_threads(answer, 6).count(True) == 1
