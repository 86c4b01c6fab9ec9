"""From the insights dashboard to the customers: a segment, an R x F cell, a movement cell
or a lifecycle stage opens those customers in the customers list, a segment exports as
CSV; runs are numbered per shop; model parameters are on the run's details page."""

import re
from html import unescape

import pytest
from django.db.models import Count
from django.urls import reverse

from crm.tenancy.context import shop_scope
from customers.models import Customer
from insights.models import CustomerScore, ScoringRun
from tests.insights.conftest import AS_OF, shop_with_history
from tests.insights.test_scoring_service import run_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(shop, other_shop):
    with shop_scope(other_shop.pk):
        shop_with_history(other_shop, customers=40, seed=5)
        run_now(other_shop)
    with shop_scope(shop.pk):
        customers = shop_with_history(shop, customers=120)
        Customer.objects.filter(pk=customers[0].pk).update(is_automated_targeting_refused=True)
        first = run_now(shop, as_of=AS_OF.replace(day=1))
        second = run_now(shop)
    return first, second


def dashboard(client, shop) -> str:
    return client.get(reverse("insights:dashboard", kwargs={"shop_slug": shop.slug})).content.decode()


def listed(client, href: str) -> int:
    return client.get(unescape(href)).context["result_count"]


def test_segment_cell_and_stage_links_open_exactly_those_customers(staff_client, shop, scored):
    first, second = scored
    html = dashboard(staff_client, shop)
    with shop_scope(shop.pk):
        scores = CustomerScore.objects.filter(run=second)
        champions = scores.filter(segment="champions").count()
        cell = scores.values("r_score", "f_score").annotate(n=Count("customer")).order_by("-n").first()
        moved = CustomerScore.objects.filter(run=first, segment="champions").values("customer_id")
        champions_before_now_loyal = scores.filter(segment="loyal", customer_id__in=moved).count()
        churned = scores.filter(lifecycle_stage="churned").count()

    assert listed(staff_client, re.search(r'href="([^"]*\?segment=champions)"', html).group(1)) == champions
    rf = f"r_score={cell['r_score']}&amp;f_score={cell['f_score']}"
    assert listed(staff_client, re.search(rf'href="([^"]*{rf})"', html).group(1)) == cell["n"]
    assert listed(staff_client, re.search(r'href="([^"]*\?lifecycle_stage=churned)"', html).group(1)) == churned
    movement = f"?segment=loyal&amp;segment_at_run={first.pk}%3Achampions"
    if champions_before_now_loyal:
        assert listed(staff_client, re.search(rf'href="([^"]*{re.escape(movement)})"', html).group(1)) == (
            champions_before_now_loyal
        )


def test_a_segment_exports_its_customers_as_csv(staff_client, shop, scored):
    html = dashboard(staff_client, shop)
    export = unescape(re.search(r'href="([^"]*export\.csv\?segment=champions)"', html).group(1))
    with shop_scope(shop.pk):
        champions = CustomerScore.objects.filter(run=scored[1], segment="champions").count()

    body = b"".join(staff_client.get(export).streaming_content).decode().lstrip("\ufeff")

    assert len(body.strip().splitlines()) == champions + 1


def test_runs_are_numbered_per_shop_and_model_parameters_are_on_the_details_page(staff_client, shop, scored):
    first, second = scored
    html = dashboard(staff_client, shop)

    assert (first.number, second.number) == (1, 2)
    assert "run #2 ·" in html
    assert "1 customer who refused automated targeting is not scored." in html
    assert "α=" not in html
    detail = staff_client.get(reverse("insights:run-detail", kwargs={"shop_slug": shop.slug, "run_id": second.pk}))
    assert "Scoring run #2" in detail.content.decode() and "BG/NBD" in detail.content.decode()


def test_the_at_risk_list_says_which_rule_made_the_stage(staff_client, shop, scored):
    html = dashboard(staff_client, shop)

    assert "RFM segment" in html and "Lifecycle stage" in html
    reasons = ("No order for", "The model puts their chance", "First order")
    assert any(reason in html for reason in reasons)


def test_another_shops_run_details_are_a_404(client, shop, other_shop, scored):
    from tests.conftest import make_user

    client.force_login(make_user("owner@bike.example"))
    url = reverse("insights:run-detail", kwargs={"shop_slug": other_shop.slug, "run_id": scored[1].pk})
    assert client.get(url).status_code == 404


def test_segment_map_errors_are_in_chinese_on_chinese_pages(staff_client, shop):
    from tests.insights.test_insights_pages import _formset_data

    gap = _formset_data([("recent", "Recent", 4, 5, 1, 5), ("older", "Older", 2, 3, 1, 5)])
    url = reverse("insights:segment-map", kwargs={"shop_slug": shop.slug})

    response = staff_client.post(url, gap, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400 and "没有规则覆盖 R=1" in response.content.decode()


def test_the_segment_map_editor_names_default_segments_in_chinese(staff_client, shop):
    url = reverse("insights:segment-map", kwargs={"shop_slug": shop.slug})

    html = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert 'value="冠军客户"' in html and 'value="Champions"' not in html


def test_a_model_fits_note_reads_in_chinese_on_the_details_page(client, other_shop, scored):
    from tests.conftest import make_user

    client.force_login(make_user("owner@bike.example"))  # the other shop: 40 customers, too few for BG/NBD
    with shop_scope(other_shop.pk):
        run = ScoringRun.objects.get()
    url = reverse("insights:run-detail", kwargs={"shop_slug": other_shop.slug, "run_id": run.pk})

    english = client.get(url).content.decode()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "40 customers; the model needs at least 100" in english
    assert "只有 40 位客户；该模型至少需要 100 位" in chinese
