"""Email through a real SMTP server, its one-click unsubscribe and preferences links, and the
short links in messages."""

import datetime
import re
import zoneinfo

from django.test import Client

from crm.tenancy.context import shop_scope
from customers.models import ConsentEvent, CustomerConsent
from messaging.models import Channel, Message, Purpose
from messaging.services.dispatch import outbox_dispatch
from messaging.services.outbox import message_enqueue
from tests.smtp import body_of, smtp_inbox  # noqa: F401 (fixture)

NOON = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


def enqueue(shop, customer, *, purpose, occasion="o1", channel=Channel.EMAIL, **extra):
    with shop_scope(shop.pk):
        return message_enqueue(shop=shop, customer=customer, rule="campaigns.coupon", occasion=occasion,
                               channel=channel, purpose=purpose, subject="{shop_name}", body="{customer_name}，您好",
                               send_after=NOON, **extra)  # fmt: skip


def unsubscribe_url(email) -> str:
    header = re.sub(r"\s+", "", str(email["List-Unsubscribe"]))  # long headers arrive folded
    return re.fullmatch(r"<(.+)>", header).group(1)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_marketing_email_one_click_unsubscribe_withdraws_consent(shop, customer, smtp_inbox):  # noqa: F811
    enqueue(shop, customer, purpose=Purpose.MARKETING)
    assert outbox_dispatch(shop, now=NOON)["sent"] == 1
    [email] = smtp_inbox
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = unsubscribe_url(email)
    assert url in body_of(email)
    # What a mail client does (RFC 8058): a POST with no cookie and no CSRF token.
    response = Client(enforce_csrf_checks=True).post(path_of(url), "List-Unsubscribe=One-Click",
                                                     content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 200
    with shop_scope(shop.pk):
        consent = CustomerConsent.objects.get(customer=customer, channel="email", purpose="marketing")
        event = ConsentEvent.objects.filter(customer=customer).latest("created_at")
    assert (consent.is_granted, consent.source) == (False, "email one-click unsubscribe")
    assert (event.is_granted, event.source) == (False, "email one-click unsubscribe")
    enqueue(shop, customer, purpose=Purpose.MARKETING, occasion="o2")
    later = NOON + datetime.timedelta(days=2)
    assert outbox_dispatch(shop, now=later)["skipped"] == {"no_consent": 1}


def test_unsubscribe_page_asks_before_a_get_changes_anything(shop, customer, smtp_inbox, client):  # noqa: F811
    enqueue(shop, customer, purpose=Purpose.MARKETING)
    outbox_dispatch(shop, now=NOON)
    url = unsubscribe_url(smtp_inbox[0])
    page = client.get(path_of(url))
    assert page.status_code == 200 and "Tea House" in page.content.decode()
    with shop_scope(shop.pk):
        assert CustomerConsent.objects.get(customer=customer, channel="email", purpose="marketing").is_granted


def test_a_forged_or_altered_link_changes_nothing(shop, customer, client):
    for token in ("nonsense", "W1sxLDFd:forged:sig"):
        assert client.post(f"/u/{token}/").status_code == 404
        assert client.get(f"/p/{token}/").status_code == 404
    with shop_scope(shop.pk):
        assert CustomerConsent.objects.get(customer=customer, channel="email", purpose="marketing").is_granted


def test_care_email_links_to_preferences_that_save_both_choices(shop, customer, smtp_inbox, client):  # noqa: F811
    enqueue(shop, customer, purpose=Purpose.CARE)
    outbox_dispatch(shop, now=NOON)
    [email] = smtp_inbox
    assert email["List-Unsubscribe"] is None
    url = re.search(r"https?://\S+/p/\S+/", body_of(email)).group(0)
    assert client.get(path_of(url)).status_code == 200
    assert client.post(path_of(url), {"care": "on"}).status_code == 200
    with shop_scope(shop.pk):
        granted = dict(CustomerConsent.objects.filter(customer=customer, channel="email")
                       .values_list("purpose", "is_granted"))  # fmt: skip
    assert granted == {"marketing": False, "care": True}


def test_short_link_redirects_and_counts_clicks(shop, customer, sms_outbox, client):
    message = enqueue(shop, customer, purpose=Purpose.CARE, channel=Channel.SMS,
                      link_url="https://tea.example/orders/A1001")  # fmt: skip
    with shop_scope(shop.pk):
        Message.objects.filter(pk=message.pk).update(body="物流：{short_link}")
    outbox_dispatch(shop, now=NOON)
    link = re.search(r"https?://\S+", sms_outbox[0].text).group(0)
    assert link.endswith(f"/r/{message.short_code}")
    for _click in range(2):
        response = client.get(path_of(link))
        assert (response.status_code, response["Location"]) == (302, "https://tea.example/orders/A1001")
    with shop_scope(shop.pk):
        assert Message.objects.get(pk=message.pk).clicks == 2


def test_short_link_of_another_shop_or_unknown_is_404(shop, customer, other_shop, client):
    message = enqueue(shop, customer, purpose=Purpose.CARE, link_url="https://tea.example/orders/A1001")
    random_part = message.short_code.split("-")[1]
    for code in (f"{other_shop.pk:x}-{random_part}", f"{shop.pk:x}-xxxxxxxxxx", "zz-1", "nodash"):
        assert client.get(f"/r/{code}").status_code == 404
    with shop_scope(shop.pk):
        assert Message.objects.get(pk=message.pk).clicks == 0
