"""The campaign pages: list, builder with live preview, launch with progress, results,
price protection, the coupons on the 360 page, and the insights shortcut; shop-scoped."""

import pytest
from django.test import Client
from django.urls import reverse

from campaigns.demo import DEMO_NAME, demo_campaign_seed
from campaigns.models import Campaign, Coupon, CouponIssueJob, PriceClaim, PriceProtectionSetting
from campaigns.selectors.coupons import holdout_comparison
from campaigns.services.coupons import coupon_issue_run
from crm.models import Role
from crm.tenancy.context import shop_scope
from insights.demo import demo_scoring_seed
from orders.demo import demo_orders_seed
from tests.campaigns.coupons.helpers import launched_campaign
from tests.conftest import make_user
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def url(name: str, shop, **kwargs) -> str:
    return reverse(f"campaigns:{name}", kwargs={"shop_slug": shop.slug, **kwargs})


BUILDER = {
    "name": "会员日", "discount_type": "fixed", "discount_amount": "15.00", "min_spend": "", "per_customer_limit": "1",
    "holdout_percent": "20", "total_spent_min": "100", "message_channel": "sms",
    "message_body": "{customer_name}，会员日送您{amount}元：{coupon_code}",
}  # fmt: skip


@pytest.fixture
def customers(shop):
    with shop_scope(shop.pk):
        return [CustomerFactory(shop=shop, total_spent=50 * n) for n in range(10)]


def test_the_list_links_to_the_builder_and_the_churn_care_preset(staff_client, shop):
    launched_campaign(shop, code="SPRING10")

    page = staff_client.get(url("list", shop)).content.decode()

    assert "SPRING10" in page and "?preset=churn_care" in page
    preset = staff_client.get(url("new", shop) + "?preset=churn_care").content.decode()
    assert (
        'value="cannot_lose_them" checked' in preset
        or 'value="cannot_lose_them"\n' in preset
        or "cannot_lose_them" in preset
    )
    assert 'value="30.00"' in preset


def test_the_builder_preview_counts_the_audience_and_renders_the_message(staff_client, shop, customers):
    response = staff_client.post(url("builder-preview", shop), BUILDER, HTTP_HX_REQUEST="true")

    text = response.content.decode()
    assert "8" in text and "王芳" in text and "15.00" in text  # 100..450 spent: 8 customers
    bad = staff_client.post(url("builder-preview", shop), {**BUILDER, "message_body": "{oops}"}).content.decode()
    assert "oops" in bad


def test_save_launch_and_watch_the_progress_then_results(staff_client, shop, customers):
    response = staff_client.post(url("new", shop), BUILDER)
    with shop_scope(shop.pk):
        campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == url("detail", shop, campaign_id=campaign.pk)
    draft = staff_client.get(response.url).content.decode()
    assert "20%" in draft and "王芳" in draft

    staff_client.post(url("action", shop, campaign_id=campaign.pk), {"action": "launch"})
    polling = staff_client.get(url("detail", shop, campaign_id=campaign.pk) + "?partial=1")
    assert 'hx-trigger="every 2s"' in polling.content.decode() and "HX-Refresh" not in polling.headers
    with shop_scope(shop.pk):
        job = CouponIssueJob.objects.get()
    coupon_issue_run(shop_id=shop.pk, job_id=job.pk)
    done = staff_client.get(url("detail", shop, campaign_id=campaign.pk) + "?partial=1")
    assert done.headers["HX-Refresh"] == "true"
    results = staff_client.get(url("detail", shop, campaign_id=campaign.pk)).content.decode()
    with shop_scope(shop.pk):
        groups = {coupon.is_holdout for coupon in Coupon.objects.all()}
    # The holdout is a hash of (campaign, customer): both groups exist for all but a few ids.
    assert ('<svg class="uplift-chart"' in results) is (groups == {True, False})


def test_builder_errors_are_shown_and_nothing_is_saved(staff_client, shop):
    response = staff_client.post(url("new", shop), {**BUILDER, "discount_amount": "", "code": "x"})

    assert response.status_code == 400
    with shop_scope(shop.pk):
        assert not Campaign.objects.exists()


def test_an_agent_sees_campaigns_but_cannot_build_or_launch(shop):
    agent = make_user("agent@tea.example", Role.AGENT, shop)
    campaign = launched_campaign(shop, code="SPRING10")
    client = Client()
    client.force_login(agent)

    assert client.get(url("list", shop)).status_code == 200
    assert client.get(url("new", shop)).status_code == 403
    assert client.post(url("action", shop, campaign_id=campaign.pk), {"action": "end"}).status_code == 403


def test_price_protection_settings_are_saved_by_managers(staff_client, shop):
    response = staff_client.post(
        url("price-protection", shop),
        {"is_enabled": "on", "window_days": "30", "mode": "automatic", "payout": "coupon"},
    )

    assert response.status_code == 302
    with shop_scope(shop.pk):
        setting = PriceProtectionSetting.objects.get()
        assert (setting.is_enabled, setting.window_days, setting.payout) == (True, 30, "coupon")
    assert staff_client.post(url("price-protection", shop), {"window_days": "9"}).status_code == 400


def test_another_shops_campaign_page_is_404(staff_client, shop, other_shop):
    campaign = launched_campaign(other_shop, code="THEIRS")

    assert staff_client.get(url("detail", shop, campaign_id=campaign.pk)).status_code == 404
    assert staff_client.post(url("action", shop, campaign_id=campaign.pk), {"action": "end"}).status_code == 404
    with shop_scope(other_shop.pk):
        assert Campaign.objects.get().status == "running"


def test_the_360_page_lists_the_customers_coupons(staff_client, shop, customers):
    launched_campaign(shop, audience={"customer_ids": [customers[3].pk]}, holdout_percent=0)

    page = staff_client.get(
        reverse("customers:detail", kwargs={"shop_slug": shop.slug, "customer_id": customers[3].pk})
    )

    assert 'id="coupons"' in page.content.decode() and "双十一回馈" in page.content.decode()


def test_the_insights_dashboard_links_to_the_churn_care_builder(staff_client, shop):
    with shop_scope(shop.pk):
        demo_orders_seed(shop=shop, customers=60)
        demo_scoring_seed(shop=shop)

    page = staff_client.get(reverse("insights:dashboard", kwargs={"shop_slug": shop.slug})).content.decode()

    assert url("new", shop) + "?preset=churn_care" in page


def test_the_demo_seeds_a_running_campaign_with_redemptions_and_a_claim(shop):
    with shop_scope(shop.pk):
        demo_orders_seed(shop=shop, customers=60)
        demo_campaign_seed(shop=shop)
        demo_campaign_seed(shop=shop)
        campaign = Campaign.objects.get(name=DEMO_NAME)
        assert campaign.status == "running"
        assert campaign.redemptions.count() > 0
        # Each demo redemption has its paid order after the launch: the uplift card counts them.
        assert holdout_comparison(campaign=campaign)["treated_buyers"] == campaign.redemptions.count()
        assert PriceClaim.objects.filter(status="paid").exists()
