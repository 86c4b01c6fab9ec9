"""Counters under races: real threads released together against a live server."""

import pytest
from django.db.models import Sum

from campaigns.models import Campaign, Coupon, CouponIssueJob, Redemption
from campaigns.services.coupons import campaign_create, campaign_launch, coupon_issue_run, coupons_issue_to_audience
from crm.tenancy.context import shop_scope
from tests.campaigns.coupons.helpers import campaign_data, coupon_body, launched_campaign
from tests.concurrency import run_in_threads
from tests.conftest import make_shop
from tests.customers.factories import CustomerFactory
from tests.reliability.storefront import storefront_call, storefront_key


def _customers(shop, count: int) -> list:
    with shop_scope(shop.pk):
        return [CustomerFactory(shop=shop, phone=f"+86137{n:08d}") for n in range(count)]


def _redeem(url: str, key: str, code: str, phone: str, order: str) -> tuple[int, dict]:
    body = coupon_body(code, {"phone": phone}, order_external_id=order)
    return storefront_call(url, key, "POST", "/api/v1/coupons/redeem", body)


def test_a_single_use_code_under_50_parallel_redeems_is_used_once(bounded_live_server):
    shop = make_shop("coupon-single-race", "owner@coupon-single-race.example")
    [customer] = _customers(shop, 1)
    campaign = launched_campaign(shop, audience={"customer_ids": [customer.pk]}, holdout_percent=0, usage_limit=1)
    with shop_scope(shop.pk):
        code = Coupon.objects.get(campaign=campaign).code
    key = storefront_key(shop)

    results = run_in_threads(lambda index: _redeem(bounded_live_server, key, code, customer.phone, f"O{index}"), 50)

    statuses = [status for status, _body in results]
    assert statuses.count(201) == 1
    assert {body["code"] for status, body in results if status != 201} <= {
        "usage_limit_reached",
        "per_customer_limit_reached",
    }
    with shop_scope(shop.pk):
        assert Redemption.objects.count() == 1
        assert Coupon.objects.get(campaign=campaign).used_count == 1
        assert Campaign.objects.get().used_count == 1


def test_a_limit_100_shared_code_under_300_parallel_redeems_gives_exactly_100(bounded_live_server):
    shop = make_shop("coupon-limit-race", "owner@coupon-limit-race.example")
    customers = _customers(shop, 300)
    launched_campaign(shop, code="LIMIT100", usage_limit=100)
    key = storefront_key(shop)

    results = run_in_threads(
        lambda index: _redeem(bounded_live_server, key, "LIMIT100", customers[index].phone, f"O{index}"), 300
    )

    statuses = [status for status, _body in results]
    assert statuses.count(201) == 100
    assert statuses.count(409) == 200
    with shop_scope(shop.pk):
        assert Redemption.objects.count() == 100
        assert Campaign.objects.get().used_count == 100


def test_a_budget_that_runs_out_mid_race_holds(bounded_live_server):
    shop = make_shop("coupon-budget-race", "owner@coupon-budget-race.example")
    customers = _customers(shop, 60)
    launched_campaign(shop, code="BUDGET", budget="500.00")  # 25 uses of 20.00
    key = storefront_key(shop)

    results = run_in_threads(
        lambda index: _redeem(bounded_live_server, key, "BUDGET", customers[index].phone, f"O{index}"), 60
    )

    assert [status for status, _body in results].count(201) == 25
    with shop_scope(shop.pk):
        assert Redemption.objects.aggregate(total=Sum("discount"))["total"] == 500
        assert Campaign.objects.get().spent == 500


def test_redeem_and_release_racing_keep_the_counter_exact(bounded_live_server):
    shop = make_shop("coupon-release-race", "owner@coupon-release-race.example")
    customers = _customers(shop, 40)
    launched_campaign(shop, code="RACE10", usage_limit=10)
    key = storefront_key(shop)
    for index in range(10):
        assert _redeem(bounded_live_server, key, "RACE10", customers[index].phone, f"FIRST{index}")[0] == 201

    def act(index: int) -> int:
        if index < 10:
            body = {"code": "RACE10", "order_external_id": f"FIRST{index}"}
            return storefront_call(bounded_live_server, key, "POST", "/api/v1/coupons/release", body)[0]
        return _redeem(bounded_live_server, key, "RACE10", customers[index].phone, f"NEXT{index}")[0]

    results = run_in_threads(act, 40)

    assert results[:10] == [200] * 10
    with shop_scope(shop.pk):
        active = Redemption.objects.filter(status="active").count()
        assert Campaign.objects.get().used_count == active == results[10:].count(201)
        assert active <= 10


@pytest.mark.django_db(transaction=True)
def test_issuing_twice_at_once_gives_each_customer_one_coupon():
    shop = make_shop("coupon-issue-race", "owner@coupon-issue-race.example")
    customers = _customers(shop, 200)
    campaign = launched_campaign(
        shop, name="先冻结", code="FROZEN", audience={"customer_ids": [c.pk for c in customers]}
    )
    with shop_scope(shop.pk):
        Coupon.objects.all().delete()

    def issue(index: int) -> int:
        with shop_scope(shop.pk):
            return coupons_issue_to_audience(campaign=Campaign.objects.get(pk=campaign.pk))

    written = run_in_threads(issue, 4)

    assert sum(written) == 200
    with shop_scope(shop.pk):
        assert Coupon.objects.count() == 200
        assert Coupon.objects.values("customer").distinct().count() == 200


@pytest.mark.django_db(transaction=True)
def test_the_issue_job_delivered_twice_at_once_runs_once():
    shop = make_shop("coupon-job-race", "owner@coupon-job-race.example")
    customers = _customers(shop, 50)
    with shop_scope(shop.pk):
        campaign = campaign_create(shop=shop, data=campaign_data(audience={"customer_ids": [c.pk for c in customers]}))
        campaign_launch(shop=shop, campaign_id=campaign.pk)
        job = CouponIssueJob.objects.get()

    results = run_in_threads(lambda index: coupon_issue_run(shop_id=shop.pk, job_id=job.pk), 2)

    assert sum(result is not None for result in results) == 1
    with shop_scope(shop.pk):
        assert Coupon.objects.count() == 50
        assert Campaign.objects.get().status == "running"
