"""What orders adds to the shop overview: the day's KPIs, the newest orders, and imports
that failed this week (registered in OrdersConfig.ready)."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop
from crm.platform.overview import Attention
from customers.models import Customer
from orders.models import ImportJob, ImportStatus, Order, OrderStatus

RECENT_ORDERS = 8
ACTIVE_DAYS = 90
FAILED_IMPORT_DAYS = 7


def overview_kpis(shop: Shop, now: datetime | None = None) -> dict:
    """Revenue and orders today and over the last 7 days (today included, shop time) of the
    orders that count; repeat rate among buyers; customers with an order in 90 days."""
    now = timezone.localtime(now or timezone.now(), shop.tzinfo)
    today = datetime.combine(now.date(), time(), tzinfo=shop.tzinfo)
    week = today - timedelta(days=6)
    counted = Order.objects.filter(status__in=OrderStatus.counted()).filter(placed_at__gte=week)
    totals = counted.aggregate(
        revenue_week=Sum("total"),
        orders_week=Count("id"),
        revenue_today=Sum("total", filter=Q(placed_at__gte=today)),
        orders_today=Count("id", filter=Q(placed_at__gte=today)),
    )
    buyers = Customer.objects.filter(merged_into__isnull=True, orders_count__gte=1).aggregate(
        buyers=Count("id"),
        repeat=Count("id", filter=Q(orders_count__gte=2)),
        active=Count("id", filter=Q(last_order_at__gte=now - timedelta(days=ACTIVE_DAYS))),
    )
    return {
        **{name: value or 0 for name, value in totals.items()},
        "repeat_rate": 100 * buyers["repeat"] / buyers["buyers"] if buyers["buyers"] else None,
        "active_customers": buyers["active"],
        "active_days": ACTIVE_DAYS,
        "currency": shop.currency,
    }


def overview_recent_orders(shop: Shop) -> list[Order]:
    return list(Order.objects.select_related("customer").order_by("-placed_at", "-id")[:RECENT_ORDERS])


def overview_failed_imports(shop: Shop) -> list[Attention]:
    since = timezone.now() - timedelta(days=FAILED_IMPORT_DAYS)
    failed = ImportJob.objects.filter(status=ImportStatus.FAILED, created_at__gte=since).order_by("-created_at")
    return [
        Attention(
            text=_("The import of %(file)s failed: %(error)s") % {"file": job.file_name, "error": job.error_text},
            url=reverse("orders:import-job", kwargs={"shop_slug": shop.slug, "job_id": job.pk}),
            is_urgent=True,
        )
        for job in failed[:5]
    ]
