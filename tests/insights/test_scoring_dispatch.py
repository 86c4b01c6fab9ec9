"""The nightly dispatcher (03:00 in each shop's timezone, one run per shop and local day) and
the score_shop command."""

import json
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from crm.tenancy.context import shop_scope
from insights.models import RunStatus, RunTrigger, ScoringRun
from insights.services import scoring_nightly_dispatch, scoring_nightly_enqueue, scoring_run_request
from insights.services.dispatch import nightly_as_of
from tests.insights.conftest import AS_OF, shop_with_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def london(other_shop):
    other_shop.timezone = "Europe/London"
    other_shop.save(update_fields=["timezone"])
    return other_shop


def nightly_runs(shop) -> list[tuple[date, str]]:
    with shop_scope(shop.pk):
        return list(ScoringRun.objects.filter(trigger=RunTrigger.NIGHTLY).values_list("as_of", "status"))


def test_the_nightly_run_is_due_at_three_in_the_shops_own_timezone(shop, london):
    before_shanghai_three = datetime(2026, 7, 1, 18, 30, tzinfo=UTC)  # 02:30 in Shanghai, 19:30 in London
    assert nightly_as_of(shop=shop, now=before_shanghai_three) is None
    assert nightly_as_of(shop=london, now=before_shanghai_three) == date(2026, 6, 30)
    after_shanghai_three = datetime(2026, 7, 1, 19, 5, tzinfo=UTC)  # 03:05 on 2 July in Shanghai
    assert nightly_as_of(shop=shop, now=after_shanghai_three) == date(2026, 7, 1)


def test_dispatching_twice_queues_one_run_per_shop_and_local_day(shop, london):
    for now in (datetime(2026, 7, 1, 18, 30, tzinfo=UTC), datetime(2026, 7, 1, 19, 5, tzinfo=UTC)):
        scoring_nightly_dispatch(now=now)
        scoring_nightly_dispatch(now=now)
    assert nightly_runs(shop) == [(date(2026, 7, 1), RunStatus.QUEUED)]
    assert nightly_runs(london) == [(date(2026, 6, 30), RunStatus.QUEUED)]


def test_a_staff_run_in_progress_postpones_the_nightly_run_to_the_next_beat(shop):
    now = datetime(2026, 7, 1, 19, 5, tzinfo=UTC)
    with shop_scope(shop.pk):
        staff_run = scoring_run_request(shop=shop, as_of=date(2026, 7, 1), enqueue=False)
        assert scoring_nightly_enqueue(shop=shop, now=now) is None
        ScoringRun.objects.filter(pk=staff_run.pk).update(status=RunStatus.SUCCEEDED)
        assert scoring_nightly_enqueue(shop=shop, now=now).as_of == date(2026, 7, 1)
        assert scoring_nightly_enqueue(shop=shop, now=now) is None


def test_score_shop_prints_the_run_as_json_on_the_last_line(shop):
    with shop_scope(shop.pk):
        shop_with_history(shop)
    out = StringIO()
    call_command("score_shop", shop.slug, "--as-of", str(AS_OF), "--json", stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert {"run_id", "as_of", "customers_scored", "segments", "rfm_cutpoints", "bgnbd", "gamma_gamma"} <= set(result)
    assert result["as_of"] == str(AS_OF) and result["customers_scored"] == sum(result["segments"].values()) == 200
    assert {"status", "r", "alpha", "a", "b", "time_unit"} <= set(result["bgnbd"])
    assert result["bgnbd"]["status"] == "ok" and result["bgnbd"]["time_unit"] == "weeks"
    assert {"status", "p", "q", "v"} <= set(result["gamma_gamma"]) and result["gamma_gamma"]["q"] > 1
    assert len(result["rfm_cutpoints"]["monetary"]["thresholds"]) == 4


def test_score_shop_refuses_unknown_shops_and_a_second_run(shop):
    with pytest.raises(CommandError, match="no shop"):
        call_command("score_shop", "no-such-shop")
    with shop_scope(shop.pk):
        scoring_run_request(shop=shop, enqueue=False)
    with pytest.raises(CommandError, match="already queued"):
        call_command("score_shop", shop.slug, stdout=StringIO())
