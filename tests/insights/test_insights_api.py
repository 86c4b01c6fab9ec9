"""The insights API, including the cross-shop rule for every endpoint: another shop's ids are
the same 404 as missing ones and change nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse

from crm.models import Role
from crm.tenancy.context import shop_scope
from insights.models import CustomerScore, ScoringRun, SegmentMapConfig
from insights.services import scoring_run_request
from tests.conftest import make_user
from tests.insights.conftest import AS_OF, shop_with_history
from tests.insights.test_scoring_service import run_now

pytestmark = pytest.mark.django_db
MISSING = 2_000_000_000


def api_url(name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs=kwargs or None)


def staff_url(name: str, shop, **kwargs) -> str:
    return reverse(f"staff-api:{name}", kwargs={"shop_slug": shop.slug, **kwargs})


@pytest.fixture
def scored(shop):
    with shop_scope(shop.pk):
        customers = shop_with_history(shop)
        first = run_now(shop, as_of=AS_OF - timedelta(days=30))
        second = run_now(shop)
    return customers, first, second


@pytest.fixture
def other_scored(other_shop):
    with shop_scope(other_shop.pk):
        customers = shop_with_history(other_shop, customers=60, seed=5)
        run = run_now(other_shop)
    return customers, run


def assert_same_404(client, url_with_foreign_id: str, url_with_missing_id: str) -> None:
    foreign, missing = client.get(url_with_foreign_id), client.get(url_with_missing_id)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_segment_summary_of_the_current_run(api, scored, django_assert_max_num_queries):
    _, _, second = scored
    with django_assert_max_num_queries(14):
        body = api.get(api_url("insights-segments")).json()
    assert body["run"] == {"id": second.pk, "as_of": str(AS_OF)} and body["currency"] == "CNY"
    assert len(body["segments"]) == 11 and body["segments"][0]["key"] == "champions"
    assert sum(row["customers"] for row in body["segments"]) == second.customers_scored
    assert sum(row["revenue_share"] for row in body["segments"]) == pytest.approx(1)
    assert any(row["average_clv"] is not None for row in body["segments"])


def test_segment_summary_before_any_run_is_empty(api):
    assert api.get(api_url("insights-segments")).json() == {"run": None, "currency": "CNY", "segments": []}


def test_another_shops_run_is_a_404_on_every_run_parameter(api, scored, other_scored):
    _, other_run = other_scored
    for name, parameter in (
        ("insights-segments", "run"),
        ("insights-clv-distribution", "run"),
        ("insights-movement", "to_run"),
    ):
        base = api_url(name)
        assert_same_404(api, f"{base}?{parameter}={other_run.pk}", f"{base}?{parameter}={MISSING}")
    base = api_url("insights-segment-customers", segment="champions")
    assert_same_404(api, f"{base}?run={other_run.pk}", f"{base}?run={MISSING}")
    assert_same_404(
        api, api_url("insights-run-detail", run_id=other_run.pk), api_url("insights-run-detail", run_id=MISSING)
    )


def test_a_customers_scores_history_and_the_cut_points_behind_them(api, scored, other_scored):
    customers, first, second = scored
    body = api.get(api_url("insights-customer-scores", customer_id=customers[0].pk)).json()
    assert body["current"]["run_id"] == second.pk
    assert [item["run_id"] for item in body["history"]] == [second.pk, first.pk]
    assert [row["dimension"] for row in body["explanation"]] == ["recency_days", "frequency", "monetary"]
    assert len(body["explanation"][0]["thresholds"]) == 4
    other_customers, _ = other_scored
    assert_same_404(
        api,
        api_url("insights-customer-scores", customer_id=other_customers[0].pk),
        api_url("insights-customer-scores", customer_id=MISSING),
    )


def test_movement_defaults_to_previous_versus_current(api, scored):
    customers, first, second = scored
    body = api.get(api_url("insights-movement")).json()
    assert (body["from_run"]["id"], body["to_run"]["id"]) == (first.pk, second.pk)
    size = len(body["segments"])
    assert body["segments"][-1]["key"] == "none" and all(len(row) == size for row in body["matrix"])
    assert sum(map(sum, body["matrix"])) == body["moved"] + body["stayed"] == len(customers)
    explicit = api.get(api_url("insights-movement") + f"?from_run={second.pk}&to_run={first.pk}").json()
    assert explicit["from_run"]["id"] == second.pk and explicit["moved"] == body["moved"]


def test_movement_with_a_run_without_scores_names_the_parameter(api, scored):
    with shop_scope(scored[1].shop_id):
        queued = scoring_run_request(shop=scored[1].shop, enqueue=False)
    response = api.get(api_url("insights-movement") + f"?from_run={queued.pk}")
    assert response.status_code == 400 and "from_run" in response.json()["fields"]


def test_customers_of_a_segment_page_by_cursor_and_filter(api, scored, other_scored, django_assert_max_num_queries):
    _, _, second = scored
    segment = max(second.segment_counts, key=second.segment_counts.get)
    base = api_url("insights-segment-customers", segment=segment)
    with django_assert_max_num_queries(14):
        page = api.get(base + "?page_size=5").json()
    assert len(page["results"]) == 5 and page["next"]
    assert all(row["segment"] == segment for row in page["results"])
    spends = [float(row["monetary"]) for row in page["results"]]
    assert spends == sorted(spends, reverse=True)
    seen, url = set(), base + "?page_size=50"
    while url:
        page = api.get(url).json()
        seen |= {row["customer_id"] for row in page["results"]}
        url = page["next"]
    assert len(seen) == second.segment_counts[segment]
    assert not seen & {customer.pk for customer in other_scored[0]}
    newest_first = api.get(base + "?ordering=-customer_id&page_size=200").json()["results"]
    assert [row["customer_id"] for row in newest_first] == sorted(seen, reverse=True)[: len(newest_first)]
    filtered = api.get(base + "?p_alive__gte=0.5&lifecycle_stage=active&lifecycle_stage=new&clv__gte=1").json()
    assert all(row["p_alive"] >= 0.5 and row["lifecycle_stage"] in ("active", "new") for row in filtered["results"])


@pytest.mark.parametrize(
    "query, field",
    [("p_alive__gte=2", "p_alive__gte"), ("clv__gte=abc", "clv__gte"), ("lifecycle_stage=zombie", "lifecycle_stage"),
     ("p_alive__gte=0.9&p_alive__lte=0.1", "p_alive__lte"), ("ordering=name", "ordering")],
)  # fmt: skip
def test_bad_segment_filters_are_400s_naming_the_field(api, scored, query, field):
    response = api.get(api_url("insights-segment-customers", segment="champions") + "?" + query)
    assert response.status_code == 400 and field in response.json()["fields"]


def test_clv_distribution_counts_every_customer_with_a_clv(api, scored):
    _, _, second = scored
    body = api.get(api_url("insights-clv-distribution")).json()
    assert body["status"] == "ok" and body["buckets"][0]["lower"] == 0 and body["buckets"][-1]["upper"] is None
    with shop_scope(second.shop_id):
        with_clv = CustomerScore.objects.filter(run=second, clv_12m__isnull=False).count()
    assert sum(bucket["customers"] for bucket in body["buckets"]) == with_clv


def test_runs_list_and_detail_with_progress(api, scored):
    _, first, second = scored
    listing = api.get(api_url("insights-runs")).json()
    assert [run["id"] for run in listing["results"]] == [second.pk, first.pk]
    detail = api.get(api_url("insights-run-detail", run_id=second.pk)).json()
    assert detail["progress"]["status"] == "succeeded" and detail["bgnbd_params"]["time_unit"] == "weeks"
    assert detail["rfm_cutpoints"]["customers"] == second.customers_scored


def test_starting_a_run_queues_it_once_and_honours_idempotency_keys(
    api, other_api, shop, other_shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = api.post(api_url("insights-runs"), {"as_of": str(AS_OF)}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 202 and first.json()["status"] == "queued"
    assert sum("job_enqueue_on_commit" in callback.__qualname__ for callback in callbacks) == 1
    replay = api.post(api_url("insights-runs"), {"as_of": str(AS_OF)}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert replay.status_code == 202 and replay.json()["id"] == first.json()["id"]
    second = api.post(api_url("insights-runs"), {}, format="json")
    assert second.status_code == 409 and f"run #{first.json()['id']}" in second.json()["detail"]
    with shop_scope(other_shop.pk):
        assert ScoringRun.objects.count() == 0
    assert other_api.post(api_url("insights-runs"), {}, format="json").status_code == 202
    with shop_scope(shop.pk):
        assert ScoringRun.objects.count() == 1


def test_starting_a_run_validates_the_day_and_the_role(client, api, shop):
    future = api.post(api_url("insights-runs"), {"as_of": "2999-01-01"}, format="json")
    assert future.status_code == 400 and "as_of" in future.json()["fields"]
    client.force_login(make_user("agent@tea.example", Role.AGENT, shop))
    assert client.post(staff_url("insights-runs", shop), {}, content_type="application/json").status_code == 403
    assert client.get(staff_url("insights-runs", shop)).status_code == 200


def test_segment_map_get_and_put_for_managers_with_field_errors(client, shop, other_shop):
    client.force_login(make_user("manager@tea.example", Role.MANAGER, shop))
    url = staff_url("insights-segment-map", shop)
    body = client.get(url).json()
    assert body["is_default"] and len(body["rules"]) == 11
    bad_shape = client.put(
        url, {"rules": [{"key": "x", "name": "X", "r": [1, 9], "fm": [1, 5]}]}, content_type="application/json"
    )
    assert bad_shape.status_code == 400 and "rules.0.r.1" in bad_shape.json()["fields"]
    null_rule = client.put(url, {"rules": [None]}, content_type="application/json")
    assert null_rule.status_code == 400 and "rules" in null_rule.json()["fields"]
    gap = {"rules": [{"key": "recent", "name": "Recent", "r": [3, 5], "fm": [1, 5]}]}
    uncovered = client.put(url, gap, content_type="application/json")
    assert uncovered.status_code == 400 and "R=1" in uncovered.json()["fields"]["rules"][0]
    whole = {
        "rules": [
            {"key": "recent", "name": "Recent", "r": [3, 5], "fm": [1, 5]},
            {"key": "old", "name": "Old", "r": [1, 2], "fm": [1, 5]},
        ]
    }
    saved = client.put(url, whole, content_type="application/json")
    assert saved.status_code == 200 and not saved.json()["is_default"]
    assert client.put(url, {"rules": None}, content_type="application/json").json()["is_default"]
    with shop_scope(other_shop.pk):
        assert not SegmentMapConfig.objects.exists()


def test_segment_map_is_for_staff_managers_of_this_shop_only(client, api, shop, other_shop):
    assert api.get(api_url("insights-segment-map")).status_code in (403, 404)
    client.force_login(make_user("agent@tea.example", Role.AGENT, shop))
    assert client.get(staff_url("insights-segment-map", shop)).status_code == 403
    client.force_login(make_user("owner@bike.example"))
    rules = {"rules": [{"key": "all", "name": "All", "r": [1, 5], "fm": [1, 5]}]}
    response = client.put(staff_url("insights-segment-map", shop), rules, content_type="application/json")
    assert response.status_code == 404
    with shop_scope(shop.pk):
        assert not SegmentMapConfig.objects.exists()
