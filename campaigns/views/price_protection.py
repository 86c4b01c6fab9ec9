"""The price-protection page: the shop's rules (managers) and the latest claims."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from campaigns.forms import PriceProtectionForm
from campaigns.models import PriceClaim
from campaigns.services.price_protection import price_protection_setting_get, price_protection_setting_update
from crm.models import Role
from crm.tenancy.access import has_role
from crm.tenancy.pages import ShopPageView

RECENT_CLAIMS = 100


class PriceProtectionView(ShopPageView):
    template_name = "campaigns/price_protection.html"

    def get(self, request):
        setting = price_protection_setting_get(shop=self.shop)
        initial = {name: getattr(setting, name) for name in ("is_enabled", "window_days", "mode", "payout")}
        return self._render(request, PriceProtectionForm(initial=initial))

    def post(self, request):
        if not has_role(self.membership, Role.MANAGER):
            return self._render(request, PriceProtectionForm(request.POST), status=403)
        form = PriceProtectionForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        price_protection_setting_update(shop=self.shop, updated_by=request.user, **form.cleaned_data)
        messages.success(request, _("Price protection settings saved."))
        return redirect("campaigns:price-protection", shop_slug=self.shop.slug)

    def _render(self, request, form, status: int = 200):
        claims = PriceClaim.objects.select_related("order", "customer").order_by("-created_at", "-pk")[:RECENT_CLAIMS]
        can_manage = has_role(self.membership, Role.MANAGER)
        context = {"form": form, "claims": claims, "can_manage": can_manage}
        return TemplateResponse(request, self.template_name, context, status=status)
