"""What a message says when it leaves: the template in the customer's language filled with
its variables, the SMS signature and opt-out text, and for email the unsubscribe or
preferences link. The result goes to the provider and the outbox row, never to a log."""

from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from crm.models import Shop
from messaging.channels import Outgoing
from messaging.models import Channel, Message, MessagingSettings, Purpose
from messaging.selectors import messaging_settings_get
from messaging.services.preferences import PREFERENCES_SALT, UNSUBSCRIBE_SALT, link_token
from messaging.templating import template_render, text_for_language

SMS_OPT_OUT = {"zh-hans": "拒收请回复R", "en": "Reply R to opt out"}


def customer_language(shop: Shop, customer) -> str:
    return customer.language or shop.language


def message_compose(*, shop: Shop, settings: MessagingSettings, message: Message, attempt: int) -> Outgoing:
    customer = message.customer
    language = customer_language(shop, customer)
    values = {**message.variables, "customer_name": customer.name, "shop_name": shop.name}
    if message.short_code:
        values["short_link"] = absolute_url(reverse("messaging-public:short-link", kwargs={"code": message.short_code}))
    text = template_render(text_for_language(message.body, language, shop.language), values)
    common = {"shop_id": shop.pk, "message_id": message.pk, "attempt": attempt, "purpose": message.purpose}
    if message.channel == Channel.SMS:
        return _sms(settings, message, text, language, shop, common)
    subject = template_render(text_for_language(message.subject or "", language, shop.language), values)
    return _email(message, text, subject, language, common)


def _sms(settings, message, text, language, shop, common) -> Outgoing:
    signature = settings.sms_signature or shop.name[:20]
    if message.purpose == Purpose.MARKETING:
        text = f"{text} {text_for_language(SMS_OPT_OUT, language, 'zh-hans')}"
    return Outgoing(**common, to=message.customer.phone, text=f"【{signature}】{text}", sms_signature=signature,
                    sms_content=text)  # fmt: skip


def _email(message, text, subject, language, common) -> Outgoing:
    """Marketing carries the one-click unsubscribe (RFC 8058: the header pair, and the link in
    the text); care and service mail a link to the email preferences."""
    token_for = {"shop_id": message.shop_id, "customer_id": message.customer_id}
    headers = {}
    with translation.override(language):
        if message.purpose == Purpose.MARKETING:
            url = absolute_url(reverse("messaging-public:unsubscribe",
                                       kwargs={"token": link_token(salt=UNSUBSCRIBE_SALT, **token_for)}))  # fmt: skip
            headers = {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
            footer = _("Unsubscribe from these emails: %(url)s") % {"url": url}
        else:
            url = absolute_url(reverse("messaging-public:preferences",
                                       kwargs={"token": link_token(salt=PREFERENCES_SALT, **token_for)}))  # fmt: skip
            footer = _("Choose which emails you receive: %(url)s") % {"url": url}
    return Outgoing(**common, to=message.customer.email, text=f"{text}\n\n--\n{footer}\n", subject=subject,
                    headers=headers)  # fmt: skip


def message_preview(*, shop: Shop, customer, channel: str, purpose: str, body: dict | str,
                    subject: dict | str = "", variables: dict | None = None, link_url: str = "") -> Outgoing:
    """What `customer` would receive if this message went out now, in their language, with
    the shop's signature and links (a sample short link); nothing is written (editors'
    previews)."""
    assert customer.shop_id == shop.pk
    message = Message(shop=shop, customer=customer, channel=channel, purpose=purpose, body=body, subject=subject,
                      variables={key: str(value) for key, value in (variables or {}).items()},
                      short_code=f"{shop.pk:x}-preview" if link_url else "")  # fmt: skip
    return message_compose(shop=shop, settings=messaging_settings_get(shop=shop), message=message, attempt=0)


def absolute_url(path: str) -> str:
    return django_settings.SITE_URL + path
