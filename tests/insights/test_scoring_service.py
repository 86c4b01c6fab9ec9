"""The scoring run service end to end on PostgreSQL: SQL summary, pure scoring, write-back,
current snapshot, failures and the one-run-at-a-time rule."""

from datetime import timedelta
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.platform.jobs import MAX_ATTEMPTS, jobs_sweep
from crm.tenancy.context import shop_scope
from customers.models import Customer
from insights.models import CustomerScore, RunStatus, RunTrigger, ScoringRun, SegmentMapConfig
from insights.selectors import current_run_get
from insights.services import RunAlreadyActive, scoring_run_process, scoring_run_request
from insights.services.binary_copy import BinaryCopyRows
from insights.services.summary import customer_summary_fetch
from insights.services.writeback import customer_scores_write
from tests.customers.factories import CustomerFactory
from tests.insights.conftest import AS_OF, local, order_add, refund_add, shop_with_history

pytestmark = pytest.mark.django_db


def run_now(shop, as_of=AS_OF) -> ScoringRun:
    run = scoring_run_request(shop=shop, as_of=as_of, trigger=RunTrigger.COMMAND, enqueue=False)
    return scoring_run_process(shop=shop, run_id=run.pk)


def scores(run) -> dict[int, CustomerScore]:
    return {score.customer_id: score for score in CustomerScore.objects.filter(run=run)}


def test_a_run_scores_every_buyer_fits_the_models_and_becomes_current(in_shop, history):
    run = run_now(in_shop)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.customers_scored == len(history) == CustomerScore.objects.filter(run=run).count()
    assert current_run_get(shop=in_shop) == run
    assert sum(run.segment_counts.values()) == len(history)
    assert set(run.rfm_cutpoints) == {"customers", "recency_days", "frequency", "monetary"}
    assert run.bgnbd_status == "ok", run.bgnbd_reason
    assert run.bgnbd_params["time_unit"] == "weeks"
    assert run.gamma_gamma_status == "ok" and run.gamma_gamma_params["q"] > 1
    assert run.fit_quality["holdout_days"] == 91 and "status" in run.fit_quality
    assert run.stats["kpis"]["customers"] == len(history)
    score = next(iter(scores(run).values()))
    assert 1 <= score.r_score <= 5 and score.segment in run.segment_counts
    assert 0 <= score.p_alive <= 1 and score.clv_12m is not None and score.lifecycle_stage


def test_as_of_is_the_end_of_the_day_in_the_shop_timezone(in_shop):
    late_buyer, next_day_buyer = CustomerFactory(shop=in_shop), CustomerFactory(shop=in_shop)
    order_add(in_shop, late_buyer, local(in_shop, AS_OF - timedelta(days=10)), 50)
    order_add(in_shop, late_buyer, local(in_shop, AS_OF, hour=23) + timedelta(minutes=30), 20)
    order_add(in_shop, late_buyer, local(in_shop, AS_OF + timedelta(days=1), hour=0) + timedelta(minutes=30), 999)
    order_add(in_shop, next_day_buyer, local(in_shop, AS_OF + timedelta(days=1), hour=9), 10)
    by_customer = scores(run_now(in_shop))
    assert set(by_customer) == {late_buyer.pk}
    assert (by_customer[late_buyer.pk].frequency, by_customer[late_buyer.pk].recency_days) == (2, 0)
    assert by_customer[late_buyer.pk].monetary == Decimal("70.00")


def test_refunds_up_to_as_of_are_deducted_and_cancelled_pending_refunded_orders_do_not_count(in_shop):
    buyer, canceller, refunded = (CustomerFactory(shop=in_shop) for _ in range(3))
    day = AS_OF - timedelta(days=5)
    order = order_add(in_shop, buyer, local(in_shop, day), 100, status="partially_refunded")
    refund_add(in_shop, order, 30, local(in_shop, day, hour=15))
    refund_add(in_shop, order, 10, local(in_shop, AS_OF + timedelta(days=2)))  # after as-of: not yet
    order_add(in_shop, buyer, local(in_shop, day), 40, status="cancelled")
    order_add(in_shop, buyer, local(in_shop, day), 40, status="pending")
    order_add(in_shop, canceller, local(in_shop, day), 80, status="cancelled")
    full = order_add(in_shop, refunded, local(in_shop, day), 60, status="paid")
    refund_add(in_shop, full, 60, local(in_shop, day, hour=16))
    by_customer = scores(run_now(in_shop))
    assert set(by_customer) == {buyer.pk}
    assert (by_customer[buyer.pk].monetary, by_customer[buyer.pk].frequency) == (Decimal("70.00"), 1)


def test_too_little_history_says_so_and_rfm_still_works(in_shop):
    for index in range(5):
        order_add(
            in_shop, CustomerFactory(shop=in_shop), local(in_shop, AS_OF - timedelta(days=index * 20)), 10 + index
        )
    run = run_now(in_shop)
    assert run.status == RunStatus.SUCCEEDED
    assert run.bgnbd_status == "insufficient_data" and "customers" in run.bgnbd_reason
    assert run.gamma_gamma_status == "insufficient_data" and run.gamma_gamma_reason
    assert run.fit_quality["status"] == "insufficient_data"
    rows = list(CustomerScore.objects.filter(run=run))
    assert len(rows) == 5 and all(row.segment and row.lifecycle_stage for row in rows)
    assert all(row.p_alive is None and row.clv_12m is None for row in rows)
    assert {row.r_score for row in rows} == {1, 2, 3, 4, 5}


def test_a_shop_without_orders_gets_an_empty_successful_run(in_shop):
    run = run_now(in_shop)
    assert (run.status, run.customers_scored) == (RunStatus.SUCCEEDED, 0)
    assert run.stats["kpis"]["customers"] == 0


def test_the_write_back_streams_in_chunks_and_stores_every_score_exactly(in_shop, history, monkeypatch):
    whole = run_now(in_shop)
    monkeypatch.setattr(BinaryCopyRows, "CHUNK_ROWS", 3)  # a handful of rows per chunk, the last one short
    with CaptureQueriesContext(connection) as queries:  # also through Django's debug cursor (DEBUG=True in dev)
        chunked = run_now(in_shop)
    assert any("COPY insights_score_stage" in str(query["sql"]) for query in queries.captured_queries)
    fields = [field.name for field in CustomerScore._meta.concrete_fields if field.name not in {"id", "run"}]
    assert len(history) % 3 and chunked.customers_scored == whole.customers_scored == len(history)
    stored = {run: sorted(CustomerScore.objects.filter(run=run).values_list(*fields)) for run in (whole, chunked)}
    assert stored[chunked] == stored[whole]
    assert any(row[fields.index("clv_12m")] is not None for row in stored[whole])


def test_the_write_back_rounds_money_to_cents_half_away_from_zero_and_stores_nan_as_null(in_shop):
    buyers = CustomerFactory.create_batch(4, shop=in_shop)
    run = ScoringRun.objects.create(shop=in_shop, number=1, as_of=AS_OF, trigger=RunTrigger.COMMAND)
    frame = pd.DataFrame(
        {
            "customer_id": [buyer.pk for buyer in buyers],
            "recency_days": 1,
            "frequency": 1,
            "monetary": [0.005, 12.344999, 987654321.125, 0.0],
            "r_score": 3,
            "f_score": 3,
            "m_score": 3,
            "segment": "lost",
            "p_alive": [0.5, 0.5, 0.5, float("nan")],
            "expected_purchases_90d": 0.1,
            "expected_order_value": [-0.005, 1.0, 2.0, float("nan")],
            "clv": [0.005, 12.344999, 987654321.125, float("nan")],
            "lifecycle_stage": "active",
            "churn_risk": False,
        }
    )
    assert customer_scores_write(shop_id=in_shop.pk, run_id=run.pk, frame=frame, segments=["lost"]) == 4
    stored = CustomerScore.objects.filter(run=run).order_by("customer_id")
    assert [(row.monetary, row.expected_order_value, row.clv_12m, row.p_alive) for row in stored] == [
        (Decimal("0.01"), Decimal("-0.01"), Decimal("0.01"), 0.5),
        (Decimal("12.34"), Decimal("1.00"), Decimal("12.34"), 0.5),
        (Decimal("987654321.13"), Decimal("2.00"), Decimal("987654321.13"), 0.5),
        (Decimal("0.00"), None, None, None),
    ]


def test_a_failed_run_leaves_the_previous_snapshot_current(in_shop, history):
    first = run_now(in_shop)
    # A stored map that no longer validates (written around the service, as a bad migration could).
    SegmentMapConfig.objects.create(shop=in_shop, rules=[{"key": "everyone", "name": "All", "r": [1, 4], "fm": [1, 5]}])
    second = run_now(in_shop)
    assert second.status == RunStatus.FAILED and "no rule covers R=5" in second.error
    assert second.progress_message == "claimed"  # it failed before aggregating anything
    assert second.finished_at is not None
    assert current_run_get(shop=in_shop) == first
    assert not CustomerScore.objects.filter(run=second).exists()
    assert CustomerScore.objects.filter(run=first).count() == len(history)


def test_a_second_request_is_refused_while_one_is_queued(in_shop):
    first = scoring_run_request(shop=in_shop, enqueue=False)
    with pytest.raises(RunAlreadyActive, match=f"run #{first.pk}"):
        scoring_run_request(shop=in_shop, enqueue=False)
    assert ScoringRun.objects.count() == 1


def test_a_run_whose_workers_keep_dying_is_given_up_by_the_sweeper_and_no_longer_blocks(in_shop):
    stuck = scoring_run_request(shop=in_shop, enqueue=False)
    ScoringRun.objects.filter(pk=stuck.pk).update(status="running", attempts=MAX_ATTEMPTS, due_at=timezone.now())
    jobs_sweep(now=timezone.now())
    fresh = scoring_run_request(shop=in_shop, enqueue=False)
    stuck.refresh_from_db()
    assert stuck.status == RunStatus.FAILED
    assert stuck.error == "Gave up after 3 attempts: its worker stopped before finishing"
    assert fresh.status == RunStatus.QUEUED


def test_processing_a_run_twice_does_nothing_the_second_time(in_shop, history):
    run = scoring_run_request(shop=in_shop, as_of=AS_OF, enqueue=False)
    assert scoring_run_process(shop=in_shop, run_id=run.pk).status == RunStatus.SUCCEEDED
    assert scoring_run_process(shop=in_shop, run_id=run.pk) is None
    assert CustomerScore.objects.filter(run=run).count() == len(history)


def test_a_future_as_of_is_refused(in_shop):
    with pytest.raises(ValueError, match="future"):
        scoring_run_request(shop=in_shop, as_of=timezone.now().date() + timedelta(days=2), enqueue=False)


def test_a_backfill_for_an_earlier_day_joins_the_history_without_replacing_current(in_shop, history):
    today = run_now(in_shop)
    backfill = run_now(in_shop, as_of=AS_OF - timedelta(days=60))
    assert backfill.status == RunStatus.SUCCEEDED
    assert current_run_get(shop=in_shop) == today


def test_scoring_shop_a_changes_nothing_of_shop_b(shop, other_shop):
    with shop_scope(other_shop.pk):
        other_customers = shop_with_history(other_shop, customers=40, seed=9)
        other_run = run_now(other_shop)
        other_rows = sorted(CustomerScore.objects.values_list("pk", "segment", "clv_12m"))
    with shop_scope(shop.pk):
        shop_with_history(shop, customers=40, seed=10)
        run = run_now(shop)
        assert not set(scores(run)) & {customer.pk for customer in other_customers}
    with shop_scope(other_shop.pk):
        assert current_run_get(shop=other_shop) == other_run
        assert sorted(CustomerScore.objects.values_list("pk", "segment", "clv_12m")) == other_rows
        assert ScoringRun.objects.count() == 1


def test_the_summary_and_the_write_back_refuse_another_shop_than_the_scope(shop, other_shop):
    with shop_scope(shop.pk):
        with pytest.raises(AssertionError):
            customer_summary_fetch(shop=other_shop, as_of=AS_OF)
        with pytest.raises(AssertionError):
            customer_scores_write(shop_id=other_shop.pk, run_id=1, frame=pd.DataFrame(), segments=[])


def test_the_summary_counts_one_purchase_per_day_and_keeps_the_first_day_out_of_repeat_spend(in_shop):
    buyer = CustomerFactory(shop=in_shop)
    first, second, third = (AS_OF - timedelta(days=days) for days in (120, 100, 20))
    for day, amount in ((first, 10), (first, 20), (second, 40), (third, 5), (third, 5)):
        order_add(in_shop, buyer, local(in_shop, day), amount)
    row = customer_summary_fetch(shop=in_shop, as_of=AS_OF).iloc[0]
    assert (row.frequency, row.monetary, row.repeat_purchases, row.recency_days) == (5, 80, 2, 20)
    assert row.mean_repeat_value == pytest.approx((80 - 30) / 2)
    assert (row.recency_weeks, row.age_weeks) == (pytest.approx(100 / 7), pytest.approx(120 / 7))
    assert row.revenue_30d == 10
    # 91 days before the as-of day only the first two purchase days had happened.
    assert (row.cal_repeat_purchases, row.holdout_purchase_days) == (1, 1)
    assert (row.cal_recency_weeks, row.cal_age_weeks) == (pytest.approx(20 / 7), pytest.approx((120 - 91) / 7))


def test_customers_who_refused_automated_targeting_get_no_scores_or_segment(in_shop, history):
    refused = history[0]
    Customer.objects.filter(pk=refused.pk).update(is_automated_targeting_refused=True)
    run = run_now(in_shop)
    assert refused.pk not in scores(run)
    assert run.customers_scored == len(history) - 1 == sum(run.segment_counts.values())
    assert run.stats["kpis"]["customers"] == len(history) and run.stats["kpis"]["customers_excluded"] == 1
    assert all(row["customer_id"] != refused.pk for row in run.stats["at_risk_top"])


def _session_settings() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(name) FROM unnest(ARRAY['TimeZone', 'enable_indexscan', 'jit']) AS name")
        return tuple(row[0] for row in cursor.fetchall())


def test_purchase_days_are_calendar_days_in_the_shop_timezone(in_shop):
    night_owl = CustomerFactory(shop=in_shop)
    # 23:30 and 00:30 shop time: the same day in UTC for a shop east of it, two days in the shop.
    late = local(in_shop, AS_OF - timedelta(days=10), hour=23) + timedelta(minutes=30)
    order_add(in_shop, night_owl, late, 10)
    order_add(in_shop, night_owl, late + timedelta(hours=1), 20)
    before = _session_settings()
    row = customer_summary_fetch(shop=in_shop, as_of=AS_OF).iloc[0]
    assert (row.frequency, row.repeat_purchases, row.recency_days) == (2, 1, 9)
    assert row.mean_repeat_value == 20
    # the run's later statements see the session's own time zone and planner settings again
    assert before[0] == "UTC" and _session_settings() == before
