"""The shop overview at /s/<slug>/, the start of the day: KPIs, what needs doing and recent
orders, contributed by the apps (crm/platform/overview.py). The storefront set-up snippets are on
the settings page, for owners."""

from django.views.generic import TemplateView

from crm.platform.overview import overview_read
from crm.tenancy.pages import ShopPageView


class ShopHomeView(ShopPageView, TemplateView):
    template_name = "crm/shop_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**overview_read(self.shop), **kwargs)
