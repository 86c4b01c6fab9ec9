"""The managers' admin, scoped to one shop per request.

Invariants:
- Only platform superusers and owners/managers of at least one shop get in.
- Every admin view runs inside `shop_scope(admin shop)`, so changelists, FK dropdowns,
  list filters, autocomplete and actions all go through the fail-closed managers and the
  database's row-level security, not through per-admin filtering (which would miss
  some of those paths).
- The admin shop is re-validated against the user's memberships on every request; the
  session only remembers which of the allowed shops was picked last. A superuser may
  pick any shop and so sees every shop, one at a time.
"""

from functools import wraps

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Membership, Role, Shop
from crm.platform.request_context import Actor, acting_as
from crm.shops.forms import AdminLoginForm
from crm.tenancy.access import has_role, memberships_of_user
from crm.tenancy.context import database_lookup_setting, shop_scope

SESSION_KEY = "admin_shop_slug"


def admin_memberships(user) -> list[Membership]:
    """The shops this user may administer, with their role there (a superuser owns all)."""
    if not user.is_active or not user.is_authenticated:
        return []
    if user.is_superuser:
        return [Membership(shop=shop, user=user, role=Role.OWNER) for shop in Shop.objects.order_by("name")]
    return [m for m in memberships_of_user(user) if has_role(m, Role.MANAGER)]


class ShopAdminSite(admin.AdminSite):
    site_header = _("ShopCRM administration")
    site_title = _("ShopCRM admin")
    index_title = _("Shop administration")
    login_form = AdminLoginForm

    def has_permission(self, request) -> bool:
        return bool(admin_memberships(request.user))

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def scoped_view(request, *args, **kwargs):
            memberships = admin_memberships(request.user)
            if not memberships:
                return inner(request, *args, **kwargs)  # redirects to the admin login
            slug = request.session.get(SESSION_KEY)
            membership = next((m for m in memberships if m.shop.slug == slug), memberships[0])
            shop = membership.shop
            request.admin_shop, request.admin_role = shop, membership.role
            request.admin_shops = [m.shop for m in memberships]
            with (
                # Times shown and typed in the admin are the shop's, as on the staff pages.
                timezone.override(shop.timezone),
                acting_as(Actor(user_id=request.user.pk)),
                database_lookup_setting("app.user_id", str(request.user.pk)),
                shop_scope(shop.pk),
            ):
                response = inner(request, *args, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
            return response

        return scoped_view

    def get_urls(self):
        return [
            path("switch-shop/<slug:shop_slug>/", self.admin_view(self.switch_shop), name="switch-shop"),
            *super().get_urls(),
        ]

    def switch_shop(self, request, shop_slug):
        if any(shop.slug == shop_slug for shop in request.admin_shops):
            request.session[SESSION_KEY] = shop_slug
        return redirect("admin:index")

    def each_context(self, request):
        context = super().each_context(request)
        context["admin_shop"] = getattr(request, "admin_shop", None)
        context["admin_shops"] = getattr(request, "admin_shops", [])
        return context
