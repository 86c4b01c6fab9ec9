"""A care rule's message as one real customer would get it: messaging's own composition of an
unsent message (signature, opt-out text, links), never written anywhere."""

from dataclasses import dataclass

from campaigns.models import CareRule
from campaigns.services.care_messages import ORDER_STAGE_KINDS
from campaigns.services.care_rules import PROFILED_KINDS, purpose_of
from crm.models import Shop
from customers.models import Customer
from messaging.compose import customer_language, message_compose
from messaging.models import Channel, Message
from messaging.selectors import messaging_settings_get
from messaging.templating import sms_segments
from orders.models import Order

ORDER_KINDS = {kind for kinds in ORDER_STAGE_KINDS.values() for kind in kinds}
# Shown for {short_link} in a preview: no message exists, so no real short code does either.
PREVIEW_SHORT_CODE = "preview"


@dataclass(frozen=True)
class CarePreview:
    customer: Customer
    channel: str
    language: str
    subject: str
    text: str
    sms_segments: int


def _order_variables(rule: CareRule, customer: Customer) -> dict[str, str]:
    """Order-stage texts are previewed with the customer's latest order."""
    if rule.kind not in ORDER_KINDS:
        return {}
    order = Order.objects.filter(customer=customer).order_by("-placed_at").first()
    return {} if order is None else {"order_number": order.external_id, "amount": str(order.total)}


def care_rule_preview(*, shop: Shop, rule: CareRule, customer: Customer, channel: str) -> CarePreview:
    message = Message(
        shop=shop, customer=customer, rule=rule.rule_name, occasion="preview", channel=channel,
        purpose=purpose_of(rule.kind), is_segment_driven=rule.kind in PROFILED_KINDS, subject=rule.subject,
        body=rule.body, variables=_order_variables(rule, customer),
        short_code=PREVIEW_SHORT_CODE if rule.kind in ORDER_KINDS else "",
    )  # fmt: skip
    outgoing = message_compose(shop=shop, settings=messaging_settings_get(shop=shop), message=message, attempt=0)
    return CarePreview(
        customer=customer, channel=channel, language=customer_language(shop, customer), subject=outgoing.subject,
        text=outgoing.text, sms_segments=sms_segments(outgoing.text) if channel == Channel.SMS else 0,
    )  # fmt: skip
