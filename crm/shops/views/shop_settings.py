"""The shop settings page: owners change settings, invite staff and manage API keys;
managers see them; agents get 403 (ShopPageView.required_role). A new API key is rendered
once in the POST response, never stored in the session or a flash message."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from crm.models import ApiKey, Membership, Role
from crm.shops.forms import ApiKeyCreateForm, ShopSettingsForm, StaffAddForm, StaffRoleForm
from crm.shops.invitations import invitation_create
from crm.shops.services import (
    LastOwnerError,
    api_key_create,
    api_key_revoke,
    membership_remove,
    membership_set,
    shop_settings_update,
)
from crm.tenancy.access import get_for_shop, has_role
from crm.tenancy.pages import ShopPageView

SETTINGS_TEMPLATE = "crm/settings/index.html"

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


def _settings_url(shop, anchor: str = "") -> str:
    return reverse("shop-settings", kwargs={"shop_slug": shop.slug}) + (f"#{anchor}" if anchor else "")


class SettingsPageMixin:
    """Renders the settings page, with any bound (invalid) form the action brought back."""

    def settings_page(self, status: int = 200, **forms):
        context = {
            "can_manage": has_role(self.membership, Role.OWNER),
            "shop_form": forms.get("shop_form") or ShopSettingsForm(instance=self.shop),
            "staff_add_form": forms.get("staff_add_form") or StaffAddForm(),
            "api_key_form": forms.get("api_key_form") or ApiKeyCreateForm(),
            "memberships": Membership.objects.select_related("user").order_by("user__email"),
            # Active keys (no revocation time) first, newest first within each group.
            "api_keys": ApiKey.objects.order_by(F("revoked_at").asc(nulls_first=True), "-created_at"),
            "role_choices": Role.choices,
            "api_docs_url": self.request.build_absolute_uri(reverse("api-docs")),
            **curl_examples(self.request.build_absolute_uri("/api/v1/")),
        }
        return render(self.request, SETTINGS_TEMPLATE, context, status=status)


class SettingsView(SettingsPageMixin, ShopPageView):
    required_role = Role.MANAGER

    def get(self, request):
        return self.settings_page()

    def post(self, request):
        if not has_role(self.membership, Role.OWNER):
            raise PermissionDenied
        form = ShopSettingsForm(request.POST)
        if not form.is_valid():
            return self.settings_page(status=400, shop_form=form)
        shop_settings_update(shop=self.shop, **form.cleaned_data)
        messages.success(request, _("Shop settings saved."))
        return redirect(_settings_url(self.shop))


class StaffAddView(SettingsPageMixin, ShopPageView):
    required_role = Role.OWNER
    http_method_names = ["post"]

    def post(self, request):
        form = StaffAddForm(request.POST)
        if not form.is_valid():
            return self.settings_page(status=400, staff_add_form=form)
        invitation = invitation_create(
            shop=self.shop, **form.cleaned_data, invited_by=request.user, site_url=request.build_absolute_uri("/")
        )
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return redirect(_settings_url(self.shop, "staff"))


class StaffRoleView(ShopPageView):
    required_role = Role.OWNER
    http_method_names = ["post"]

    def post(self, request, membership_id: int):
        membership = get_for_shop(Membership, pk=membership_id)
        form = StaffRoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a valid role."))
            return redirect(_settings_url(self.shop, "staff"))
        try:
            membership_set(shop=self.shop, user=membership.user, role=form.cleaned_data["role"])
        except LastOwnerError:
            messages.error(request, _("A shop must keep at least one owner. Make someone else an owner first."))
            return redirect(_settings_url(self.shop, "staff"))
        messages.success(request, _("Role of %(email)s changed.") % {"email": membership.user.email})
        return redirect(_settings_url(self.shop, "staff"))


class StaffRemoveView(ShopPageView, TemplateView):
    required_role = Role.OWNER
    template_name = "crm/settings/staff_remove.html"

    def get_context_data(self, **kwargs):
        membership = get_for_shop(Membership, pk=self.kwargs["membership_id"])
        return super().get_context_data(target=membership, **kwargs)

    def post(self, request, membership_id: int):
        membership = get_for_shop(Membership, pk=membership_id)
        try:
            membership_remove(membership=membership)
        except LastOwnerError:
            messages.error(request, _("A shop must keep at least one owner. Make someone else an owner first."))
            return redirect(_settings_url(self.shop, "staff"))
        messages.success(request, _("%(email)s no longer works for this shop.") % {"email": membership.user.email})
        if membership.user_id == request.user.pk:
            return redirect("home")
        return redirect(_settings_url(self.shop, "staff"))


class ApiKeyCreateView(SettingsPageMixin, ShopPageView):
    required_role = Role.OWNER
    http_method_names = ["post"]

    def post(self, request):
        form = ApiKeyCreateForm(request.POST)
        if not form.is_valid():
            return self.settings_page(status=400, api_key_form=form)
        api_key, raw_key = api_key_create(shop=self.shop, **form.cleaned_data, created_by=request.user)
        context = {"api_key": api_key, "raw_key": raw_key, "api_root": request.build_absolute_uri("/api/v1/")}
        return render(request, "crm/settings/api_key_created.html", context)


class ApiKeyRevokeView(ShopPageView, TemplateView):
    required_role = Role.OWNER
    template_name = "crm/settings/api_key_revoke.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(api_key=get_for_shop(ApiKey, pk=self.kwargs["api_key_id"]), **kwargs)

    def post(self, request, api_key_id: int):
        api_key = api_key_revoke(api_key=get_for_shop(ApiKey, pk=api_key_id))
        messages.success(request, _("API key “%(name)s” revoked.") % {"name": api_key.name})
        return redirect(_settings_url(self.shop, "api-keys"))
