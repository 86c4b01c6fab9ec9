"""The insights dashboard, starting a run with its progress fragment, the segment map editor
and the customer 360 partial."""

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from crm.tenancy.context import shop_scope
from insights.models import RunStatus, ScoringRun, SegmentMapConfig
from insights.selectors import customer_scores_for_page
from insights.services import scoring_run_request
from insights.services.progress import run_progress_report
from tests.insights.conftest import AS_OF, shop_with_history
from tests.insights.test_scoring_service import run_now

pytestmark = pytest.mark.django_db


def url(name: str, shop, **kwargs) -> str:
    return reverse(f"insights:{name}", kwargs={"shop_slug": shop.slug, **kwargs})


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_runs(shop):
    with shop_scope(shop.pk):
        customers = shop_with_history(shop)
        first = run_now(shop, as_of=AS_OF.replace(day=1))
        second = run_now(shop)
    return customers, first, second


def test_dashboard_before_any_run_explains_what_happens(staff_client, shop):
    response = staff_client.get(url("dashboard", shop))
    assert response.status_code == 200
    assert "No scoring run has finished yet" in response.content.decode()


def test_dashboard_shows_kpis_charts_grid_movement_and_customers_at_risk(
    staff_client, shop, two_runs, django_assert_max_num_queries
):
    customers, first, second = two_runs
    with django_assert_max_num_queries(28):  # 27 and the count of customers not scored (refusals)
        response = staff_client.get(url("dashboard", shop))
    page = response.content.decode()
    assert response.status_code == 200
    expected = ["Repeat-purchase rate", "RFM grid", "Segment movement since the previous run", "Champions"]
    expected += ["Most valuable customers at risk", "Why a customer got a 3", 'id="insights-charts"', "chart.umd.min"]
    assert [text for text in expected if text not in page] == []
    assert f"From {first.as_of:%Y-%m-%d}" in page
    at_risk = second.stats["at_risk_top"][0]["customer_id"]
    assert reverse("customers:detail", kwargs={"shop_slug": shop.slug, "customer_id": at_risk}) in page


def test_a_manager_starts_a_run_and_a_second_click_is_refused(shop, manager, django_capture_on_commit_callbacks):
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url("run-start", shop), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'hx-trigger="every 2s"' in response.content.decode()
    assert len(callbacks) == 1
    response = client.post(url("run-start", shop), follow=True)
    assert "already queued" in response.content.decode()
    with shop_scope(shop.pk):
        assert ScoringRun.objects.count() == 1


def test_agents_cannot_start_runs_or_edit_the_segment_map(shop, agent):
    client = client_for(agent)
    assert client.post(url("run-start", shop)).status_code == 403
    assert client.get(url("segment-map", shop)).status_code == 403


def test_the_progress_fragment_shows_the_stage_and_reloads_the_page_when_done(staff_client, shop):
    with shop_scope(shop.pk):
        run = scoring_run_request(shop=shop, enqueue=False)
    run_progress_report(shop_id=shop.pk, run_id=run.pk, stage="fit")
    response = staff_client.get(url("run-status", shop, run_id=run.pk))
    assert "Fitting the purchase and spend models" in response.content.decode() and "45%" in response.content.decode()
    with shop_scope(shop.pk):
        ScoringRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED)
    assert staff_client.get(url("run-status", shop, run_id=run.pk)).headers.get("HX-Refresh") == "true"


def test_another_shops_run_or_slug_is_a_404(staff_client, shop, other_shop):
    with shop_scope(other_shop.pk):
        other_run = scoring_run_request(shop=other_shop, enqueue=False)
    assert staff_client.get(url("run-status", shop, run_id=other_run.pk)).status_code == 404
    assert staff_client.get(url("dashboard", other_shop)).status_code == 404
    assert staff_client.post(url("run-start", other_shop)).status_code == 404
    with shop_scope(other_shop.pk):
        assert ScoringRun.objects.count() == 1


def _formset_data(rules) -> dict:
    data = {"form-TOTAL_FORMS": str(len(rules)), "form-INITIAL_FORMS": "0"}
    for index, rule in enumerate(rules):
        fields = {
            "key": rule[0],
            "name": rule[1],
            "r_low": rule[2],
            "r_high": rule[3],
            "fm_low": rule[4],
            "fm_high": rule[5],
        }
        data.update({f"form-{index}-{name}": value for name, value in fields.items()})
    return data


def test_the_segment_map_editor_saves_validates_and_resets(staff_client, shop):
    page = staff_client.get(url("segment-map", shop)).content.decode()
    assert "The default 11-segment map" in page and 'value="cannot_lose_them"' in page
    gap = _formset_data([("recent", "Recent", 4, 5, 1, 5), ("older", "Older", 2, 3, 1, 5)])
    response = staff_client.post(url("segment-map", shop), gap)
    assert response.status_code == 400 and "no rule covers R=1" in response.content.decode()
    whole = _formset_data([("recent", "Recent", 4, 5, 1, 5), ("older", "Older", 1, 3, 1, 5)])
    assert staff_client.post(url("segment-map", shop), whole).status_code == 302
    with shop_scope(shop.pk):
        assert [rule["key"] for rule in SegmentMapConfig.objects.get().rules] == ["recent", "older"]
    staff_client.post(url("segment-map", shop), {"reset": "1"})
    with shop_scope(shop.pk):
        assert not SegmentMapConfig.objects.exists()


def test_the_customer_partial_explains_the_scores_and_shows_history(shop, two_runs):
    customers, first, second = two_runs
    with shop_scope(shop.pk):
        context = customer_scores_for_page(shop=shop, customer=customers[0])
        html = render_to_string("insights/_customer_scores.html", {"section": context})
    assert context["current"].run_id == second.pk and len(context["history"]) == 2
    assert [row["dimension"] for row in context["explanation"]] == ["recency_days", "frequency", "monetary"]
    assert "Why these scores" in html and "Segment history" in html
