"""Where a tag or a consent came from, in the page's language. Sources are free text (a
storefront may send its own); the ones ShopCRM itself writes have a translated name."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

SOURCE_LABELS = {
    "staff": _("staff"),
    "demo": _("demo data"),
    "import": _("CSV import"),
    "api": _("storefront API"),
    "checkout": _("checkout"),
    "newsletter": _("newsletter sign-up"),
    "app-settings": _("app settings"),
}


@register.filter
def source_label(source: str) -> str:
    return str(SOURCE_LABELS.get(source, source))
