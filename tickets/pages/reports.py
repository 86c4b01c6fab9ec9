"""The service reports page: a period of 7, 30 or 90 days up to now, in the shop's timezone."""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils import timezone

from crm.models import Role, Shop
from crm.tenancy.pages import ShopPageView
from tickets import reports
from tickets.models import TicketCategory
from tickets.selectors import recovery_costs

PERIODS = ("7", "30", "90")
DEFAULT_PERIOD = "30"


def _csat(period: dict) -> dict:
    """CSAT rows by agent and by category, each with the name of what it groups by."""
    agents, categories = reports.csat_by(**period, group="agent"), reports.csat_by(**period, group="category")
    users = get_user_model().objects.in_bulk([row["key"] for row in agents if row["key"]])
    category_names = TicketCategory.objects.in_bulk([row["key"] for row in categories])
    return {
        "csat_agents": [{**row, "name": users.get(row["key"])} for row in agents],
        "csat_categories": [{**row, "name": category_names.get(row["key"])} for row in categories],
    }


def report_context(*, shop: Shop, days: int, now: datetime) -> dict:
    period = {"since": now - timedelta(days=days), "until": now}
    severity_rows = reports.severity_rows(shop=shop, **period, now=now)
    top_categories = reports.top_categories(**period)
    return {
        **period,
        "severity_rows": severity_rows,
        "top_categories": top_categories,
        "most_tickets": top_categories[0][1] if top_categories else 1,
        "products": reports.complaint_rate_by_product_category(**period),
        "repurchase": reports.complainants_bought_again(**period),
        "recovery_costs": recovery_costs(shop=shop, **period),
        **_csat(period),
    }


class ReportsView(ShopPageView):
    required_role = Role.MANAGER

    def get(self, request):
        days = request.GET.get("days") if request.GET.get("days") in PERIODS else DEFAULT_PERIOD
        context = report_context(shop=self.shop, days=int(days), now=timezone.now())
        return render(request, "tickets/reports.html", {**context, "days": days, "periods": PERIODS})
