"""What insights adds to customers: the scores on the customer 360 (page and API) and the
segment, lifecycle stage, CLV and P(alive) filters of the customers list (page, API, CSV
export), always through the shop's current run and never across shops."""

import csv
import io
from datetime import timedelta

import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse

from crm.tenancy.context import shop_scope
from customers.services import customer_merge
from insights.models import CustomerScore
from tests.customers.factories import CustomerFactory
from tests.insights.conftest import AS_OF, shop_with_history
from tests.insights.test_scoring_service import run_now

pytestmark = pytest.mark.django_db
LIST = "/api/v1/customers/"


@pytest.fixture
def scored(shop, other_shop):
    """`shop` scored twice (120 days apart; the second run is current), `other_shop` once."""
    with shop_scope(shop.pk):
        customers = shop_with_history(shop)
        first = run_now(shop, as_of=AS_OF - timedelta(days=120))
        second = run_now(shop)
    with shop_scope(other_shop.pk):
        shop_with_history(other_shop, customers=120, seed=5)
        run_now(other_shop)
    return customers, first, second


def scored_ids(shop, run, **lookups) -> set[int]:
    with shop_scope(shop.pk):
        return set(CustomerScore.objects.filter(run=run, **lookups).values_list("customer_id", flat=True))


def listed_ids(client, params: dict) -> set[int]:
    response = client.get(LIST, {**params, "page_size": 200})
    assert response.status_code == 200, response.content
    assert response.json()["next"] is None
    return {row["id"] for row in response.json()["results"]}


def page_url(name: str, shop, **kwargs) -> str:
    return reverse(f"customers:{name}", kwargs={"shop_slug": shop.slug, **kwargs})


def test_api_score_filters_select_the_current_runs_customers(api, shop, scored, django_assert_max_num_queries):
    _, first, second = scored
    with shop_scope(shop.pk):
        clv_values = sorted(CustomerScore.objects.filter(run=second).values_list("clv_12m", flat=True))
    low, high = clv_values[len(clv_values) // 4], clv_values[3 * len(clv_values) // 4]
    cases = [
        ({"segment": "hibernating"}, {"segment": "hibernating"}),
        ({"segment__in": "champions,loyal"}, {"segment__in": ["champions", "loyal"]}),
        ({"lifecycle_stage__in": "at_risk,churned"}, {"lifecycle_stage__in": ["at_risk", "churned"]}),
        ({"clv__gte": str(low), "clv__lte": str(high)}, {"clv_12m__gte": low, "clv_12m__lte": high}),
        ({"p_alive__gte": "0.5", "p_alive__lte": "0.95"}, {"p_alive__gte": 0.5, "p_alive__lte": 0.95}),
        ({"lifecycle_stage": "active", "clv__gte": str(low)}, {"lifecycle_stage": "active", "clv_12m__gte": low}),
    ]
    for params, lookups in cases:
        expected = scored_ids(shop, second, **lookups)
        assert expected, params
        assert listed_ids(api, params) == expected, params
    # The earlier run put other customers in these segments; the filters read the current one.
    assert scored_ids(shop, first, segment="hibernating") != scored_ids(shop, second, segment="hibernating")
    with django_assert_max_num_queries(6):
        api.get(LIST, {"segment__in": "champions,loyal", "clv__gte": "1", "p_alive__gte": "0.1"})


def test_score_filters_never_return_another_shops_customers(api, other_api, shop, other_shop, scored):
    customers, _, _ = scored
    with shop_scope(other_shop.pk):
        other_run = CustomerScore.objects.first().run
    own = {customer.pk for customer in customers}
    segments = ["champions", "loyal", "lost", "hibernating"]
    for params, lookups in [
        ({"lifecycle_stage__in": "new,active,at_risk,churned"}, {}),
        ({"segment__in": ",".join(segments)}, {"segment__in": segments}),
        ({"p_alive__gte": "0"}, {"p_alive__gte": 0}),
    ]:
        assert listed_ids(api, params) <= own, params
        theirs = listed_ids(other_api, params)
        assert theirs == scored_ids(other_shop, other_run, **lookups) and not theirs & own, params


def test_without_a_current_run_score_filters_match_nobody(api, shop, customer):
    assert listed_ids(api, {}) == {customer.pk}
    assert listed_ids(api, {"segment": "champions"}) == set()
    assert listed_ids(api, {"p_alive__gte": "0"}) == set()


def test_bad_score_filter_values_are_400_naming_each(api, shop):
    response = api.get(LIST, {"lifecycle_stage": "zombie", "clv__gt": "1", "p_alive__gte": "high"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"lifecycle_stage", "clv__gt", "p_alive__gte"}


def test_csv_exports_honour_score_filters(admin_api, staff_client, shop, scored):
    _, _, second = scored
    expected = scored_ids(shop, second, lifecycle_stage="churned")
    api_csv = b"".join(admin_api.get(LIST + "export.csv", {"lifecycle_stage": "churned"}).streaming_content)
    page = staff_client.get(page_url("export-csv", shop), {"lifecycle_stage": "churned"})
    page_csv = b"".join(page.streaming_content)
    for body in (api_csv, page_csv):
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        assert {int(row["id"]) for row in rows} == expected


def test_the_list_page_offers_and_applies_score_filters(staff_client, shop, scored):
    _, _, second = scored
    page = staff_client.get(page_url("list", shop)).content.decode()
    assert 'id="score-filters"' in page and '<option value="champions">Champions</option>' in page
    assert '<option value="at_risk">At risk</option>' in page and 'name="p_alive__gte"' in page
    expected = scored_ids(shop, second, segment="champions", p_alive__gte=0.5)
    page = staff_client.get(page_url("list", shop), {"segment": "champions", "p_alive__gte": "0.5"}).content.decode()
    assert '<option value="champions" selected>' in page
    shown = {int(part.split("/")[0]) for part in page.split(f"/s/{shop.slug}/customers/")[1:] if part[0].isdigit()}
    assert shown == expected and expected
    page = staff_client.get(page_url("list", shop), {"lifecycle_stage": "zombie"}).content.decode()
    assert "These filters are not valid: lifecycle_stage" in page


def test_the_list_page_has_no_score_filters_before_a_run(staff_client, shop, customer):
    page = staff_client.get(page_url("list", shop)).content.decode()
    assert 'id="score-filters"' not in page and customer.name in page


def test_the_360_page_shows_scores_why_and_the_segment_history(staff_client, shop, scored):
    customers, first, second = scored
    with shop_scope(shop.pk):
        score = CustomerScore.objects.filter(run=second, customer__in=customers, clv_12m__isnull=False).first()
        in_first = CustomerScore.objects.get(run=first, customer_id=score.customer_id)
    response = staff_client.get(page_url("detail", shop, customer_id=score.customer_id))
    page = response.content.decode()
    assert response.status_code == 200 and 'id="customer-scores"' in page
    assert f"as of {second.as_of:%Y-%m-%d}" in page
    assert f"{score.r_score} / {score.f_score} / {score.m_score}" in page
    assert score.get_lifecycle_stage_display() in page and f"{score.clv_12m} CNY" in page
    assert floatformat(score.p_alive, 2) in page
    assert "Why these scores" in page and "Cut points (20/40/60/80%)" in page
    for dimension in ("recency_days", "frequency", "monetary"):
        for threshold in second.rfm_cutpoints[dimension]["thresholds"]:
            assert floatformat(threshold, "-2") in page, (dimension, threshold)
    assert "Segment history" in page and f"{first.as_of:%Y-%m-%d}" in page
    assert f"{in_first.r_score}/{in_first.f_score}/{in_first.m_score}" in page


def test_the_360_page_before_any_run_says_so(staff_client, shop, customer):
    page = staff_client.get(page_url("detail", shop, customer_id=customer.pk)).content.decode()
    assert "No scoring run has finished yet." in page


def test_the_360_api_carries_the_scores_and_the_bands_that_explain_them(
    api, other_api, shop, scored, django_assert_max_num_queries
):
    customers, first, second = scored
    with django_assert_max_num_queries(18):  # the orders and messages sections are one more each
        overview = api.get(f"{LIST}{customers[0].pk}/overview/").json()
    scores = overview["sections"]["scores"]
    insights_url = reverse("api:insights-customer-scores", kwargs={"customer_id": customers[0].pk})
    assert scores == api.get(insights_url).json()
    assert scores["run"] == {"id": second.pk, "as_of": str(AS_OF)}
    assert scores["current"]["run_id"] == second.pk
    assert [item["run_id"] for item in scores["history"]] == [second.pk, first.pk]
    for row in scores["explanation"]:
        value, thresholds = float(row["value"]), row["thresholds"]
        rank = 1 + sum(threshold < value for threshold in thresholds)
        assert row["score"] == (6 - rank if row["dimension"] == "recency_days" else rank), row
        assert row["above"] is None or row["above"] < value
        assert row["up_to"] is None or value <= row["up_to"]
    assert other_api.get(f"{LIST}{customers[0].pk}/overview/").status_code == 404


def test_a_customer_without_orders_has_no_current_score(api, shop, scored):
    with shop_scope(shop.pk):
        newcomer = CustomerFactory(shop=shop)
    scores = api.get(f"{LIST}{newcomer.pk}/overview/").json()["sections"]["scores"]
    assert scores["current"] is None and scores["history"] == [] and scores["explanation"] == []


def test_the_privacy_export_includes_the_customers_scores_and_their_history(admin_api, shop, scored):
    customers, first, second = scored
    body = admin_api.get(f"{LIST}{customers[0].pk}/export/").json()
    assert [item["run_id"] for item in body["scores"]["history"]] == [second.pk, first.pk]
    assert body["scores"]["current"]["segment"] in {row["segment"] for row in body["scores"]["history"]}


def test_merging_two_scored_customers_keeps_the_survivors_scores(shop, scored):
    customers, first, second = scored
    both_runs = scored_ids(shop, first) & scored_ids(shop, second)
    survivor, duplicate = [customer for customer in customers if customer.pk in both_runs][:2]
    with shop_scope(shop.pk):
        survivor_scores = list(CustomerScore.objects.filter(customer_id=survivor.pk).values())

        customer_merge(shop=shop, survivor=survivor, duplicate=duplicate)

        assert list(CustomerScore.objects.filter(customer_id=survivor.pk).values()) == survivor_scores
        assert not CustomerScore.objects.filter(customer_id=duplicate.pk).exists()
