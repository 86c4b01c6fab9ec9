"""Pages reached from a message, without a login: the short link redirect (and, for email,
the unsubscribe and preferences pages). The shop comes from the link itself."""

from django.http import Http404, HttpResponseRedirect

from crm.models import Shop
from crm.tenancy.context import shop_scope
from messaging.services.links import short_link_follow


def short_link_redirect(request, code: str):
    shop_id = short_code_shop_id(code)
    if shop_id is None or not Shop.objects.filter(pk=shop_id).exists():
        raise Http404
    with shop_scope(shop_id):
        target = short_link_follow(code=code)
    if target is None:
        raise Http404
    return HttpResponseRedirect(target)


def short_code_shop_id(code: str) -> int | None:
    prefix, _separator, rest = code.partition("-")
    try:
        return int(prefix, 16) if rest else None
    except ValueError:
        return None
