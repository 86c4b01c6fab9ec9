"""Demo messages: a few in every state, so the log, its statistics and the customer
timeline have something to show. Idempotent: an occasion already written is left alone."""

from datetime import timedelta

from django.utils import timezone

from crm.models import Shop
from customers.models import Customer
from messaging.checks import ABANDONED, FREQUENCY_CAP, NO_CONSENT
from messaging.compose import message_compose
from messaging.models import Channel, Message, MessageStatus, Purpose
from messaging.selectors import messaging_settings_get
from messaging.services.outbox import message_enqueue

BIRTHDAY = {"zh-hans": "亲爱的{customer_name}，{shop_name}祝您生日快乐！送您一张优惠券：{coupon_code}",
            "en": "Happy birthday, {customer_name}! {shop_name} sends you a coupon: {coupon_code}"}  # fmt: skip
SHIPPED = {"zh-hans": "{customer_name}您好，您的订单{order_number}已发货，物流详情：{short_link}",
           "en": "Hello {customer_name}, order {order_number} has shipped: {short_link}"}  # fmt: skip
COUPON = {"zh-hans": "{shop_name}新茶上市，{customer_name}专享95折：{coupon_code}",
          "en": "New tea at {shop_name}: 5% off for you, {customer_name}: {coupon_code}"}  # fmt: skip
# (rule, channel, purpose, body, status, reason); the customers take them in turn.
PLAN = (
    ("care.order_shipped", Channel.SMS, Purpose.CARE, SHIPPED, MessageStatus.SENT, ""),
    ("care.birthday", Channel.SMS, Purpose.CARE, BIRTHDAY, MessageStatus.SENT, ""),
    ("campaigns.coupon", Channel.EMAIL, Purpose.MARKETING, COUPON, MessageStatus.SENT, ""),
    ("care.order_shipped", Channel.SMS, Purpose.CARE, SHIPPED, MessageStatus.QUEUED, ""),
    ("campaigns.coupon", Channel.SMS, Purpose.MARKETING, COUPON, MessageStatus.SKIPPED, NO_CONSENT),
    ("campaigns.coupon", Channel.EMAIL, Purpose.MARKETING, COUPON, MessageStatus.SKIPPED, FREQUENCY_CAP),
    ("care.birthday", Channel.SMS, Purpose.CARE, BIRTHDAY, MessageStatus.FAILED, "attempt 3: aliyun: HTTP 503"),
    ("care.order_shipped", Channel.EMAIL, Purpose.CARE, SHIPPED, MessageStatus.UNKNOWN, ABANDONED),
    ("campaigns.coupon", Channel.SMS, Purpose.MARKETING, COUPON, MessageStatus.SENDING, ""),
)


def demo_messages_seed(*, shop: Shop) -> None:
    customers = list(Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True, orders_count__gte=1)
                     .exclude(phone=None).exclude(email=None).order_by("pk")[: len(PLAN)])  # fmt: skip
    now = timezone.now()
    settings = messaging_settings_get(shop=shop)
    for number, (customer, plan) in enumerate(zip(customers, PLAN, strict=False)):
        rule, channel, purpose, body, status, reason = plan
        message = message_enqueue(
            shop=shop, customer=customer, rule=rule, occasion=f"demo-{number}", channel=channel, purpose=purpose,
            subject={"zh-hans": "{shop_name}", "en": "{shop_name}"}, body=body,
            variables={"order_number": f"DEMO{1000 + number}", "coupon_code": f"TEA{number:04d}"},
            link_url=f"https://shop.example/orders/DEMO{1000 + number}" if body is SHIPPED else "",
            send_after=now + timedelta(hours=12) if status == MessageStatus.QUEUED else now - timedelta(hours=number),
        )  # fmt: skip
        if message is not None and status != MessageStatus.QUEUED:
            _as_if_sent(shop, settings, message, status, reason, now - timedelta(hours=number))


def _as_if_sent(shop, settings, message: Message, status: str, reason: str, when) -> None:
    fields = {"status": status, "reason": reason}
    if status != MessageStatus.SKIPPED:
        outgoing = message_compose(shop=shop, settings=settings, message=message, attempt=1)
        fields |= {"attempts": 1, "claimed_at": when, "recipient": outgoing.to, "rendered_body": outgoing.text,
                   "rendered_subject": outgoing.subject}  # fmt: skip
    if status == MessageStatus.SENT:
        fields |= {"sent_at": when, "clicks": 2 if message.short_code else 0}
    Message.objects.filter(pk=message.pk).update(**fields)
