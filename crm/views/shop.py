"""The shop overview at /s/<slug>/: facts, storefront getting-started, the sections."""

import json

from django.urls import reverse
from django.views.generic import TemplateView

from crm.context_processors import shop_nav
from crm.models import ApiKey, Membership
from crm.tenancy.pages import ShopPageView

# A minimal order as a storefront sends it; the full schema is at /api/docs/.
EXAMPLE_ORDER = {
    "external_id": "WX20250101001",
    "channel": "mini_program",
    "status": "paid",
    "placed_at": "2025-01-01T10:30:00+08:00",
    "total": "128.00",
    "customer": {"external_id": "u-10086", "name": "王小明", "phone": "13800138000"},
    "lines": [{"sku": "TEA-LJ-250", "name": "西湖龙井 250g", "quantity": 1, "unit_price": "128.00"}],
}


def curl_examples(api_root: str) -> dict[str, str]:
    auth = '-H "Authorization: Bearer $SHOPCRM_API_KEY"'
    body = json.dumps(EXAMPLE_ORDER, ensure_ascii=False, indent=2)
    return {
        "curl_shop": f"curl {auth} \\\n  {api_root}shop/",
        "curl_order": (
            f"curl -X POST {auth} \\\n  -H 'Content-Type: application/json' \\\n"
            f"  -H 'Idempotency-Key: WX20250101001' \\\n  {api_root}orders/ \\\n  -d '{body}'"
        ),
    }


class ShopHomeView(ShopPageView, TemplateView):
    template_name = "crm/shop_home.html"

    def get_context_data(self, **kwargs):
        api_root = self.request.build_absolute_uri("/api/v1/")
        sections = [item for item in shop_nav(self.request, self.shop, self.membership) if item["name"] != "shop-home"]
        return super().get_context_data(
            staff_count=Membership.objects.count(),
            active_key_count=ApiKey.objects.filter(revoked_at__isnull=True).count(),
            api_docs_url=self.request.build_absolute_uri(reverse("api-docs")),
            sections=sections,
            **curl_examples(api_root),
            **kwargs,
        )
