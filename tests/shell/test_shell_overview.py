"""The overview as the start of the day: KPIs of the orders that count, what needs doing
(a failed import, a failed scoring run) and the newest orders, for every role."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from crm.tenancy.context import shop_scope
from insights.models import ScoringRun
from orders.models import ImportJob
from orders.services import order_upsert
from tests.orders.payloads import order_for_customer


def priced(external_id: str, customer: str, amount: str, placed_at: str, status: str = "paid") -> dict:
    line = {"sku": "TEA", "name": "龙井", "quantity": 1, "unit_price": amount}
    return order_for_customer(external_id, customer, f"1380000000{customer[-1]}", placed_at=placed_at, status=status,
                              lines=[line], subtotal=amount, total=amount)  # fmt: skip


def test_kpis_count_today_and_the_week_in_shop_time_without_pending_orders(client, agent, shop):
    now = timezone.localtime(timezone.now(), shop.tzinfo)
    today = now.replace(hour=0, minute=5).isoformat()
    three_days_ago = (now - timedelta(days=3)).isoformat()
    with shop_scope(shop.pk):
        order_upsert(shop=shop, data=priced("T1", "U1", "98.00", today))
        order_upsert(shop=shop, data=priced("T2", "U1", "1200.50", three_days_ago))
        order_upsert(shop=shop, data=priced("T3", "U2", "5000.00", today, status="pending"))
    client.force_login(agent)

    page = client.get(reverse("shop-home", kwargs={"shop_slug": shop.slug}))

    kpis = next(data for panel, data in page.context["panels"] if panel.name == "kpis")
    assert (kpis["orders_today"], kpis["revenue_today"]) == (1, 98)
    assert (kpis["orders_week"], str(kpis["revenue_week"])) == (2, "1298.50")
    assert (kpis["repeat_rate"], kpis["active_customers"]) == (100.0, 1)
    html = page.content.decode()
    assert "1,298.50 CNY" in html and "T3" in html  # recent orders list every order
    assert "Nothing needs your attention." in html


def test_failed_import_and_failed_scoring_run_need_doing(staff_client, shop, other_shop):
    with shop_scope(shop.pk):
        job = ImportJob.objects.create(shop_id=shop.pk, file_name="双十一.csv", status="failed", error="not UTF-8")
        ScoringRun.objects.create(shop_id=shop.pk, number=1, as_of=date.today(), status="failed")
    with shop_scope(other_shop.pk):
        ImportJob.objects.create(shop_id=other_shop.pk, file_name="other-shop.csv", status="failed")

    html = staff_client.get(reverse("shop-home", kwargs={"shop_slug": shop.slug})).content.decode()

    assert "The import of 双十一.csv failed: not UTF-8" in html
    assert reverse("orders:import-job", kwargs={"shop_slug": shop.slug, "job_id": job.pk}) in html
    assert "The latest scoring run failed" in html
    assert "other-shop.csv" not in html
