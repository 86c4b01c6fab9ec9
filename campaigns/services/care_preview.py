"""A care rule's message as one real customer would get it (messaging's message_preview:
signature, opt-out text, links); nothing is written."""

from dataclasses import dataclass

from campaigns.models import CareRule
from campaigns.services.care_messages import ORDER_STAGE_KINDS
from campaigns.services.care_rules import purpose_of
from crm.models import Shop
from customers.models import Customer
from messaging.compose import customer_language, message_preview
from messaging.models import Channel
from messaging.selectors import storefront_url
from messaging.templating import sms_segments
from orders.models import Order

ORDER_KINDS = {kind for kinds in ORDER_STAGE_KINDS.values() for kind in kinds}


@dataclass(frozen=True)
class CarePreview:
    customer: Customer
    channel: str
    language: str
    subject: str
    text: str
    sms_segments: int


def _order_details(rule: CareRule, shop: Shop, customer: Customer) -> tuple[dict[str, str], str]:
    """Order-stage texts are previewed with the customer's latest order: its variables and link."""
    order = Order.objects.filter(customer=customer).order_by("-placed_at").first() if rule.kind in ORDER_KINDS else None
    if order is None:
        return {}, ""
    link_url = storefront_url(shop=shop, page="order", order_number=order.external_id)
    return {"order_number": order.external_id, "amount": str(order.total)}, link_url


def care_rule_preview(*, shop: Shop, rule: CareRule, customer: Customer, channel: str) -> CarePreview:
    variables, link_url = _order_details(rule, shop, customer)
    outgoing = message_preview(
        shop=shop, customer=customer, channel=channel, purpose=purpose_of(rule.kind), body=rule.body,
        subject=rule.subject, variables=variables, link_url=link_url,
    )  # fmt: skip
    return CarePreview(
        customer=customer, channel=channel, language=customer_language(shop, customer), subject=outgoing.subject,
        text=outgoing.text, sms_segments=sms_segments(outgoing.text) if channel == Channel.SMS else 0,
    )  # fmt: skip
