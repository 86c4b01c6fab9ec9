"""Template context for the staff shell: the shop named in the URL, the user's other
shops (switcher) and the navigation built from the URL names that exist, so a section
appears as soon as its app registers its page and never links to a missing page."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from crm.models import Role, role_at_least
from crm.tenancy.access import memberships_of_user


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    icon: str
    required_role: str = Role.AGENT


# Order is the order of the navigation. Icons are names of inline SVG symbols in base.html.
NAV_ITEMS = (
    NavItem("shop-home", _("Overview"), "home"),
    NavItem("insights:dashboard", _("Insights"), "chart"),
    NavItem("customers:list", _("Customers"), "users"),
    NavItem("orders:list", _("Orders"), "cart"),
    NavItem("orders:import", _("Import orders"), "upload", Role.MANAGER),
    NavItem("tickets:queue", _("Tickets"), "ticket"),
    NavItem("tickets:reports", _("Service reports"), "chart", Role.MANAGER),
    NavItem("campaigns:list", _("Campaigns"), "megaphone"),
    NavItem("campaigns:care-rules", _("Care messages"), "heart"),
    NavItem("messaging:log", _("Messages"), "mail"),
    NavItem("loyalty:program", _("Loyalty"), "star"),
    NavItem("shop-settings", _("Settings"), "settings", Role.MANAGER),
)


def _url_or_none(url_name: str, **kwargs) -> str | None:
    try:
        return reverse(url_name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def shop_nav(request, shop, membership) -> list[dict]:
    """The sections this member can open in this shop, with the current one marked."""
    items = []
    for item in NAV_ITEMS:
        if not role_at_least(membership.role, item.required_role):
            continue
        url = _url_or_none(item.url_name, shop_slug=shop.slug)
        if url is None:
            continue
        is_home = item.url_name == "shop-home"
        items.append(
            {
                "url": url,
                "label": item.label,
                "icon": item.icon,
                "name": item.url_name,
                "active": request.path == url if is_home else request.path.startswith(url),
            }
        )
    return _keep_longest_active(items)


def _keep_longest_active(items: list[dict]) -> list[dict]:
    # /orders/import/ also starts with /orders/: only the most specific section is active.
    active = [item for item in items if item["active"]]
    if len(active) > 1:
        best = max(active, key=lambda item: len(item["url"]))
        for item in active:
            item["active"] = item is best
    return items


def shop_navigation(request) -> dict:
    shop = getattr(request, "shop", None)
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    is_member_page = shop is not None and membership is not None
    signed_in = user is not None and user.is_authenticated
    return {
        "current_shop": shop,
        "current_membership": membership,
        "shop_nav": SimpleLazyObject(lambda: shop_nav(request, shop, membership)) if is_member_page else [],
        # Lazy: only pages that render the switcher pay for the query.
        "user_memberships": SimpleLazyObject(lambda: memberships_of_user(user)) if signed_in else [],
        "password_change_url": _url_or_none("password_change") if signed_in else None,
    }
