"""From care occasions to outbox rows, and the care round beat and `care_dispatch` run.

Order-stage care is written by the order-change handler, in the transaction of the order
write (paid, shipped and delivered at once; "days after delivery" as a row due then). The
scanned rules (birthday, win-back, ...) are looked for once per shop day by the round,
which then has messaging send whatever is due. Consent, refusals, quiet hours and caps are
messaging's to check at send time.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import quote

from django.db import transaction

from campaigns.models import CareKind, CareRule
from campaigns.services.care_occasions import DETECTORS, Occasion
from campaigns.services.care_rules import PROFILED_KINDS, purpose_of
from crm.models import Shop
from crm.platform.locks import rows_claim
from crm.tenancy.context import shop_scope
from messaging.selectors import messaging_settings_get
from messaging.services.dispatch import outbox_dispatch
from messaging.services.outbox import message_enqueue_many
from messaging.templating import template_render
from orders.events import OrderChange
from orders.models import ChangeSource, Order, OrderStatus

ORDER_STAGE_KINDS = {
    OrderStatus.PAID: (CareKind.ORDER_PAID,),
    OrderStatus.SHIPPED: (CareKind.ORDER_SHIPPED,),
    OrderStatus.DELIVERED: (CareKind.ORDER_DELIVERED, CareKind.AFTER_DELIVERY),
}
# An order that arrives already paid, shipped or delivered but was placed longer ago than
# this is history being loaded (a backfill through the API), not news for the customer.
ORDER_NEWS_DAYS = 3


def occasions_enqueue(*, shop: Shop, rule: CareRule, occasions: Sequence[Occasion], now: datetime | None = None) -> int:
    """One outbox row per occasion and channel of the rule, due at the occasion's time or
    `now` (a round's clock; None: the real one), written set-based; returns how many rows
    were new."""
    items = [
        {"customer_id": occasion.customer_id, "occasion": occasion.key, "variables": occasion.variables,
         "link_url": occasion.link_url, "send_after": occasion.send_after or now}
        for occasion in occasions
    ]  # fmt: skip
    written = 0
    for channel in rule.channels if items else ():
        written += message_enqueue_many(
            shop=shop, rule=rule.rule_name, channel=channel, purpose=purpose_of(rule.kind), body=rule.body,
            subject=rule.subject, items=items, segment_driven=rule.kind in PROFILED_KINDS,
        )  # fmt: skip
    return written


def _is_order_news(change: OrderChange) -> bool:
    return (
        change.to_status != change.from_status
        and change.to_status in ORDER_STAGE_KINDS
        and change.source != ChangeSource.IMPORT
        and (not change.is_new_order or change.changed_at - change.placed_at <= timedelta(days=ORDER_NEWS_DAYS))
    )


def _order_occasion(rule: CareRule, change: OrderChange, external_id: str, order_url_template: str) -> Occasion:
    """The order's page (the shop's order URL with {order_number}) becomes {short_link}."""
    send_after = change.changed_at + timedelta(days=rule.days) if rule.kind == CareKind.AFTER_DELIVERY else None
    link_url = template_render(order_url_template, {"order_number": quote(external_id, safe="")})
    return Occasion(
        customer_id=change.customer_id,
        key=f"order:{change.order_id}",
        variables={"order_number": external_id, "amount": str(change.total)},
        link_url=link_url,
        send_after=send_after,
    )


def care_order_changes_handle(shop: Shop, changes: Sequence[OrderChange]) -> None:
    """Order-change handler: order-stage care for orders that were just paid, shipped or
    delivered (not for imported history); one read of the rules and one of the orders per batch."""
    news = [change for change in changes if _is_order_news(change)]
    kinds = {kind for change in news for kind in ORDER_STAGE_KINDS[change.to_status]}
    rules = {rule.kind: rule for rule in CareRule.objects.filter(is_enabled=True, kind__in=kinds)} if kinds else {}
    if not rules:
        return
    external_ids = dict(Order.objects.filter(pk__in=[c.order_id for c in news]).values_list("id", "external_id"))
    order_url_template = messaging_settings_get(shop=shop).order_url_template
    for kind, rule in rules.items():
        occasions = [
            _order_occasion(rule, change, external_ids[change.order_id], order_url_template)
            for change in news
            if kind in ORDER_STAGE_KINDS[change.to_status]
        ]
        occasions_enqueue(shop=shop, rule=rule, occasions=occasions)


def care_rules_scan(*, shop: Shop, at: datetime) -> int:
    """Look for the scanned rules' occasions of the shop's day at `at`, each enabled rule once
    a day (a rule another round is scanning is skipped); returns how many rows were written.
    Runs in the shop's scope, one transaction per rule."""
    today = at.astimezone(shop.tzinfo).date()
    written = 0
    for kind, detect in DETECTORS.items():
        with transaction.atomic():
            pending = CareRule.objects.filter(kind=kind, is_enabled=True).exclude(scanned_on=today)
            for rule in rows_claim(pending):
                occasions = detect(shop=shop, rule=rule, today=today)
                written += occasions_enqueue(shop=shop, rule=rule, occasions=occasions, now=at)
                rule.scanned_on = today
                rule.save(update_fields=["scanned_on"])
    return written


def care_round_run(*, shop: Shop, at: datetime) -> dict:
    """One round as beat runs it: write the due occasions' outbox rows, then have messaging
    send what is due at `at`. Returns messaging's summary of the sending ("queued": left
    waiting, for the morning or a retry) with "written": the rows this round's scan wrote."""
    with shop_scope(shop.pk):
        written = care_rules_scan(shop=shop, at=at)
    return {"written": written, **outbox_dispatch(shop, now=at)}
