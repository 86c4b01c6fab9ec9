"""Campaigns through the API: create, audience preview, launch and issuance, results
against the holdout, messages through the outbox, and every endpoint across shops."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.holdout import uplift_interval, wilson_interval
from campaigns.models import Campaign, Coupon, CouponIssueJob
from campaigns.services.coupons import campaign_create, coupon_issue_run, coupon_issue_to_customer
from crm.tenancy.context import shop_scope
from loyalty.models import LoyaltyAccount
from messaging.models import Message
from orders.models import Order
from tests.campaigns.coupons.helpers import campaign_data, launched_campaign
from tests.customers.factories import CustomerFactory

CUSTOMERS = 40


@pytest.fixture
def crowd(shop):
    with shop_scope(shop.pk):
        return [CustomerFactory(shop=shop, total_spent=100 * n, orders_count=n % 5) for n in range(CUSTOMERS)]


def test_holdout_uplift_matches_newcombes_hand_computed_examples():
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10.
    example_a = uplift_interval(56, 70, 48, 80)
    example_b = uplift_interval(9, 10, 3, 10)

    assert round(example_a.difference, 4) == 0.2
    assert (round(example_a.lower, 4), round(example_a.upper, 4)) == (0.0524, 0.3339)
    assert (round(example_b.lower, 4), round(example_b.upper, 4)) == (0.1705, 0.8090)
    # Wilson's interval for 0 of 10 (a small shop's holdout where nobody bought) is not degenerate.
    assert (wilson_interval(0, 10)[0], round(wilson_interval(0, 10)[1], 4)) == (0.0, 0.2775)
    assert uplift_interval(3, 10, 0, 0) is None


def test_create_validates_every_field_and_writes_nothing(shop, admin_api):
    body = {"name": "", "discount": {"type": "percent", "percent": 120}, "valid_until": "soon", "valid_days": 0,
            "usage_limit": -1, "budget": "1.234", "code": "x", "holdout_percent": 95, "audience": {"colour": "red"},
            "message_channel": "sms", "message_body": "{customer_name} 用 {nope}"}  # fmt: skip

    response = admin_api.post("/api/v1/campaigns/", body, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {
        "name", "discount.percent", "valid_until", "valid_days", "usage_limit", "budget", "code", "holdout_percent",
        "audience.colour", "message_body",
    }  # fmt: skip
    with shop_scope(shop.pk):
        assert not Campaign.objects.exists()


def test_a_storefront_key_cannot_create_campaigns(api):
    assert api.post("/api/v1/campaigns/", campaign_data(code="SPRING10"), format="json").status_code == 403


def test_audience_preview_counts_live_and_leaves_out_refusers(shop, admin_api, crowd):
    with shop_scope(shop.pk):
        crowd[39].is_automated_targeting_refused = True
        crowd[39].save(update_fields=["is_automated_targeting_refused"])

    by_spend = admin_api.post(
        "/api/v1/campaigns/audience-preview/", {"audience": {"total_spent_min": "3000"}}, format="json"
    )
    listed = admin_api.post(
        "/api/v1/campaigns/audience-preview/", {"audience": {"customer_ids": [crowd[39].pk]}}, format="json"
    )
    bad = admin_api.post("/api/v1/campaigns/audience-preview/", {"audience": {"orders_count_min": "x"}}, format="json")

    assert by_spend.json() == {"size": 9, "segment_driven": True}  # 30..38; 39 refused
    assert listed.json() == {"size": 1, "segment_driven": False}
    assert bad.status_code == 400 and "audience.orders_count_min" in bad.json()["fields"]


def test_launch_freezes_the_audience_with_a_deterministic_holdout_and_sends_messages(shop, admin_api, crowd):
    body = campaign_data(
        audience={"total_spent_min": "0"}, holdout_percent=25, message_channel="sms",
        message_body="{customer_name}，送您{amount}元券：{coupon_code}",
    )  # fmt: skip
    created = admin_api.post("/api/v1/campaigns/", body, format="json").json()
    launched = admin_api.post(f"/api/v1/campaigns/{created['id']}/launch/", format="json")
    assert launched.json()["status"] == "launching"
    with shop_scope(shop.pk):
        job = CouponIssueJob.objects.get()
    coupon_issue_run(shop_id=shop.pk, job_id=job.pk)

    detail = admin_api.get(f"/api/v1/campaigns/{created['id']}/").json()
    assert detail["status"] == "running"
    holdout = detail["holdout"]
    assert holdout["treated"] + holdout["holdout"] == CUSTOMERS
    assert detail["issued"] == holdout["treated"] and 0 < holdout["holdout"] < CUSTOMERS
    with shop_scope(shop.pk):
        targeted = set(Coupon.objects.filter(is_holdout=False).values_list("customer_id", flat=True))
        messages = Message.objects.filter(occasion=f"campaign:{created['id']}")
        assert set(messages.values_list("customer_id", flat=True)) == targeted
        assert {(m.purpose, m.is_segment_driven, m.rule) for m in messages} == {("marketing", True, "campaigns.coupon")}
        assert all(len(m.variables["coupon_code"]) == 16 and m.variables["amount"] == "20.00" for m in messages)
        assert not Coupon.objects.filter(is_holdout=True, code__isnull=False).exists()
    listed = admin_api.get(f"/api/v1/campaigns/{created['id']}/coupons/").json()["results"]
    assert {row["customer"]["id"] for row in listed} == targeted
    assert admin_api.post(f"/api/v1/campaigns/{created['id']}/launch/", format="json").status_code == 409


def test_results_count_buyers_since_launch_and_a_holdout_using_the_shared_code(shop, admin_api, api, crowd):
    campaign = launched_campaign(shop, code="COMEBACK", audience={"total_spent_min": "0"}, holdout_percent=50)
    with shop_scope(shop.pk):
        held = Coupon.objects.filter(campaign=campaign, is_holdout=True).select_related("customer").first().customer
        treated = Coupon.objects.filter(campaign=campaign, is_holdout=False).first().customer
        for buyer in (held, treated):
            Order.objects.create(
                shop=shop, external_id=f"B{buyer.pk}", customer=buyer, status="paid", currency="CNY",
                placed_at=timezone.now() + timedelta(seconds=1), subtotal=100, total=100,
            )  # fmt: skip
    body = {"code": "COMEBACK", "customer": {"phone": held.phone}, "order_total": "100.00", "currency": "CNY",
            "order_external_id": f"B{held.pk}"}  # fmt: skip
    assert api.post("/api/v1/coupons/redeem", body, format="json").status_code == 201

    detail = admin_api.get(f"/api/v1/campaigns/{campaign.pk}/").json()

    assert detail["redeemed"] == 1 and detail["attributed_revenue"] == "100.00" and detail["cost"] == "20.00"
    assert detail["holdout"]["holdout_redeemed"] == 1
    assert (detail["holdout"]["treated_buyers"], detail["holdout"]["holdout_buyers"]) == (1, 1)
    uplift = detail["holdout"]["uplift"]
    assert uplift["lower"] < uplift["difference"] < uplift["upper"]


def test_tiers_from_loyalty_choose_an_audience(shop, admin_api, crowd):
    with shop_scope(shop.pk):
        for customer in crowd[:3]:
            LoyaltyAccount.objects.create(shop=shop, customer=customer, tier_name="金卡")

    preview = admin_api.post("/api/v1/campaigns/audience-preview/", {"audience": {"tiers": ["金卡"]}}, format="json")

    assert preview.json() == {"size": 3, "segment_driven": True}


def test_coupon_issue_to_customer_is_idempotent(shop, crowd):
    campaign = launched_campaign(shop, name="补偿", audience={"customer_ids": [crowd[0].pk]}, holdout_percent=0)
    with shop_scope(shop.pk):
        first = coupon_issue_to_customer(shop=shop, campaign=campaign, customer=crowd[1], reason="ticket:7")
        again = coupon_issue_to_customer(shop=shop, campaign=campaign, customer=crowd[1], reason="ticket:7")
        assert first.pk == again.pk and first.code and first.reason == "ticket:7"
        assert Coupon.objects.filter(campaign=campaign).count() == 2


ENDPOINTS = [
    ("get", "/api/v1/campaigns/{id}/"),
    ("post", "/api/v1/campaigns/{id}/launch/"),
    ("get", "/api/v1/campaigns/{id}/coupons/"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_another_shops_campaign_is_404_like_a_missing_one_and_unchanged(shop, other_shop, admin_api, method, path):
    with shop_scope(other_shop.pk):
        other = CustomerFactory(shop=other_shop)
        campaign = campaign_create(shop=other_shop, data=campaign_data(audience={"customer_ids": [other.pk]}))

    theirs = getattr(admin_api, method)(path.format(id=campaign.pk), format="json")
    missing = getattr(admin_api, method)(path.format(id=campaign.pk + 10_000), format="json")

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    with shop_scope(other_shop.pk):
        assert Campaign.objects.get().status == "draft" and not CouponIssueJob.objects.exists()
    assert admin_api.get("/api/v1/campaigns/").json()["results"] == []


def test_another_shops_customer_ids_make_no_audience(shop, other_shop, admin_api):
    with shop_scope(other_shop.pk):
        other = CustomerFactory(shop=other_shop)

    preview = admin_api.post(
        "/api/v1/campaigns/audience-preview/", {"audience": {"customer_ids": [other.pk]}}, format="json"
    )

    assert preview.json()["size"] == 0


def test_the_issue_task_for_one_shop_leaves_another_untouched(shop, other_shop, crowd):
    with shop_scope(other_shop.pk):
        CustomerFactory(shop=other_shop)
    campaign = launched_campaign(shop, audience={"total_spent_min": "0"})

    with shop_scope(other_shop.pk):
        assert not Coupon.objects.exists()
    with shop_scope(shop.pk):
        job = CouponIssueJob.objects.get(campaign=campaign)
    assert coupon_issue_run(shop_id=other_shop.pk, job_id=job.pk) is None
