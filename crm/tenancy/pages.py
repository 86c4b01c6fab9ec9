"""The protected base of every staff page under `/s/<shop_slug>/`.

The shop comes from the URL and the user's membership of it is checked on every request
(another shop's slug is a 404, a too-junior role a 403). The view runs and its template
is rendered inside `shop_scope`, so lazy querysets in templates stay scoped too.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.views import View

from crm.models import Role
from crm.platform.request_context import Actor, acting_as
from crm.tenancy.access import has_role, membership_for_slug
from crm.tenancy.context import database_lookup_setting, shop_scope


class ShopPageView(LoginRequiredMixin, View):
    required_role: str = Role.AGENT

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = membership_for_slug(request.user, kwargs.pop("shop_slug"))
        if not has_role(membership, self.required_role):
            raise PermissionDenied
        self.shop = request.shop = membership.shop
        self.membership = request.membership = membership
        with (
            acting_as(Actor(user_id=request.user.pk)),
            database_lookup_setting("app.user_id", str(request.user.pk)),
            shop_scope(self.shop.pk),
            # Forms parse and templates show times in the shop's timezone.
            timezone.override(self.shop.tzinfo),
        ):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        return response
