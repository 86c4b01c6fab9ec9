"""Access helpers: the only way objects named by user input are fetched.

`get_for_shop` answers the same `Http404` for "does not exist" and "belongs to another
shop", so ids cannot be probed across shops (Zulip's access_*_by_id). Membership
lookups run before a shop is in scope, through a read-only row-level-security policy
keyed on the user id (crm/migrations/0002_tenancy.py).
"""

from django.db import models
from django.http import Http404

from crm.models import Membership, Role, Shop, role_at_least
from crm.tenancy.context import database_lookup_setting, require_shop_id


def get_for_shop(model: type[models.Model], **lookup) -> models.Model:
    """Fetch one row of the shop in scope; any miss is the same 404."""
    require_shop_id()
    try:
        return model.objects.get(**lookup)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"{model._meta.verbose_name} not found") from None


def memberships_of_user(user) -> list[Membership]:
    """Every shop this user works for, most senior role first."""
    with database_lookup_setting("app.user_id", str(user.pk)):
        memberships = list(Membership.all_shops.filter(user_id=user.pk).select_related("shop").order_by("shop__name"))
    return memberships


def membership_for_slug(user, shop_slug: str) -> Membership:
    """The user's membership of the shop named in the URL; 404 when there is none
    (a shop the user does not belong to looks exactly like a missing one)."""
    for membership in memberships_of_user(user):
        if membership.shop.slug == shop_slug:
            return membership
    if user.is_superuser:
        shop = Shop.objects.filter(slug=shop_slug).first()
        if shop is not None:
            return Membership(shop=shop, user=user, role=Role.OWNER)
    raise Http404("shop not found")


def has_role(membership: Membership, required: str) -> bool:
    return role_at_least(membership.role, required)
