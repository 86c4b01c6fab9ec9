"""Pages reached from a message, without a login: the short link redirect, the one-click
unsubscribe (RFC 8058) and the email preferences. The link itself names the shop (the short
code's prefix, a signed token), and the page speaks the customer's language."""

import json

from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from crm.models import Shop
from crm.tenancy.context import shop_scope
from customers.models import Customer
from customers.services.consent import consent_is_granted
from messaging.compose import customer_language
from messaging.services.links import short_link_follow
from messaging.services.preferences import (
    PREFERENCES_SALT,
    UNSUBSCRIBE_SALT,
    email_preferences_save,
    email_unsubscribe,
    link_token_read,
)
from messaging.services.sms_replies import sms_callback_signature_is_valid, sms_replies_process


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


def _customer_for(token: str, salt: str) -> tuple[Shop, Customer]:
    """The shop and live customer a signed link names; 404 for anything else."""
    found = link_token_read(token, salt=salt)
    shop = Shop.objects.filter(pk=found[0]).first() if found else None
    if shop is None:
        raise Http404
    with shop_scope(shop.pk):
        customer = Customer.objects.filter(pk=found[1], erased_at__isnull=True).first()
    if customer is None:
        raise Http404
    return shop, customer


# Mail clients POST the one-click request without a CSRF token (RFC 8058); the signed link
# is what authorises it, and all it can do is withdraw consent.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    shop, customer = _customer_for(token, UNSUBSCRIBE_SALT)
    done = request.method == "POST"
    if done:
        with shop_scope(shop.pk):
            email_unsubscribe(shop=shop, customer=customer)
    with translation.override(customer_language(shop, customer)):
        return render(request, "messaging/unsubscribe.html", {"shop": shop, "done": done})


@require_http_methods(["GET", "POST"])
def preferences(request, token: str):
    shop, customer = _customer_for(token, PREFERENCES_SALT)
    saved = request.method == "POST"
    with shop_scope(shop.pk):
        if saved:
            email_preferences_save(shop=shop, customer=customer, marketing="marketing" in request.POST,
                                   care="care" in request.POST)  # fmt: skip
        choices = {purpose: consent_is_granted(customer=customer, channel="email", purpose=purpose)
                   for purpose in ("marketing", "care")}  # fmt: skip
    with translation.override(customer_language(shop, customer)):
        return render(request, "messaging/preferences.html", {"shop": shop, "choices": choices, "saved": saved})


@csrf_exempt
@require_http_methods(["POST"])
def sms_replies_callback(request, shop_id: int, signature: str):
    """The provider's push of SMS replies (see messaging/services/sms_replies.py)."""
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None or not sms_callback_signature_is_valid(shop_id, signature):
        return JsonResponse({"code": 403, "msg": "signature refused"}, status=403)
    try:
        replies = json.loads(request.body)
    except ValueError:
        replies = None
    if not isinstance(replies, list) or not all(isinstance(reply, dict) for reply in replies):
        return JsonResponse({"code": 400, "msg": "expected a JSON array of replies"}, status=400)
    with shop_scope(shop.pk):
        sms_replies_process(shop=shop, replies=replies)
    return JsonResponse({"code": 0, "msg": "接收成功"})
