"""Demo tickets for `manage.py seed_demo`: complaints in every state and severity, from the
demo shop's own customers and orders, with replies, a handover note, macros, compensation
(one awaiting approval) and an answered satisfaction survey. Written through the services."""

from contextlib import suppress
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from crm.models import Membership, Role, Shop
from crm.platform.request_context import Actor, acting_as
from orders.models import Order, OrderStatus
from tickets.models import CsatSurvey, Ticket
from tickets.services import (
    CompensationInvalid,
    agent_availability_set,
    compensation_request,
    csat_answer,
    csat_token,
    macro_save,
    ticket_assign,
    ticket_clean,
    ticket_handover_set,
    ticket_open,
    ticket_reply,
    ticket_transition,
)

# (subject, description, channel, category, hours ago, the statuses it moves through)
COMPLAINTS = (
    ("保温杯漏水", "收到的保温杯盖子漏水，要求退款", "form", "quality", 2, []),
    ("快递三天没动", "物流信息三天没有更新", "chat", "delivery", 30, ["open"]),
    ("再不处理就给差评", "客服一直不回复，再不处理就给差评", "marketplace", "attitude", 50, ["open"]),
    ("怀疑是假货", "包装和官网不一样，怀疑假货，准备打12315", "phone", "quality", 5, ["open", "waiting"]),
    ("Wrong size delivered", "Ordered M, got L. I want an exchange.", "email", "return", 80, ["open", "resolved"]),
    ("降价了要求保价", "买完第二天就降价了，要求价格保护", "chat", "price", 120, ["open", "resolved", "closed"]),
    ("Refund still not received", "Refund promised a week ago, considering a chargeback.", "email", "return", 1,
     []),
    ("杯子有划痕", "外观有划痕，要求换货", "form", "quality", 26, ["open", "resolved", "open"]),
)  # fmt: skip
MACROS = (
    {"name": "道歉并补偿",
     "body": "{customer_name}您好，非常抱歉给您带来不便，我们为订单{order_number}补偿{amount}元。",
     "compensation_kind": "refund", "compensation_amount": Decimal("20.00"), "set_status": "waiting"},
    {"name": "Delivery delay", "body": "Dear {customer_name}, we are sorry your order {order_number} is late; "
     "we are chasing the courier and will update you today.", "set_status": "waiting"},
)  # fmt: skip


def demo_tickets_seed(*, shop: Shop) -> None:
    """A no-op when the shop has tickets already."""
    if Ticket.objects.exists():
        return
    staff = {m.role: m.user for m in Membership.objects.select_related("user")}
    agent, manager = staff.get(Role.AGENT), staff.get(Role.MANAGER) or staff.get(Role.OWNER)
    for user in filter(None, (agent, manager)):
        agent_availability_set(shop=shop, user=user, is_available=True)
    for macro in MACROS:
        macro_save(shop=shop, data=dict(macro))
    orders = list(Order.objects.filter(status__in=(OrderStatus.PAID, OrderStatus.DELIVERED, OrderStatus.COMPLETED))
                  .select_related("customer").order_by("-placed_at")[: len(COMPLAINTS)])  # fmt: skip
    tickets = [_complaint(shop, complaint, order, agent or manager)
               for complaint, order in zip(COMPLAINTS, orders, strict=False)]  # fmt: skip
    if len(tickets) < 5:
        return
    with acting_as(Actor(user_id=(agent or manager).pk)):
        ticket_handover_set(shop=shop, ticket_ids=[tickets[3].pk], user=agent or manager,
                            note="客户情绪激动，已承诺今天下午回电；质检报告在附件里等仓库回复。")  # fmt: skip
        for kind, amount in (("apology", Decimal("0")), ("refund", Decimal("10.00"))):
            # a refund is refused when the demo order is not refundable
            with suppress(CompensationInvalid):
                compensation_request(shop=shop, ticket=tickets[4], kind=kind, amount=amount, user=manager)
        compensation_request(shop=shop, ticket=tickets[3], kind="replacement", amount=Decimal("399.00"), user=agent,
                             note="换新一只")  # fmt: skip
    survey = CsatSurvey.objects.filter(ticket=tickets[4]).first()
    if survey is not None:
        csat_answer(token=csat_token(survey), score=4, comment="处理得挺快，谢谢", now=survey.send_after)


def _complaint(shop: Shop, complaint: tuple, order: Order, agent) -> Ticket:
    subject, description, channel, category, hours_ago, moves = complaint
    raw = {"subject": subject, "description": description, "channel": channel, "category": category,
           "order": order, "opened_at": timezone.now() - timedelta(hours=hours_ago)}  # fmt: skip
    clean = ticket_clean(shop=shop, raw=raw, customer=order.customer, can_set_severity=False, now=timezone.now())
    ticket = ticket_open(shop=shop, customer=order.customer, clean=clean)
    with acting_as(Actor(user_id=agent.pk)):
        if moves:
            ticket_assign(shop=shop, ticket_id=ticket.pk, user=agent)
            ticket_reply(
                shop=shop,
                ticket_id=ticket.pk,
                body="您好，我们已收到您的反馈，正在核实处理。",
                is_public=True,
                author=agent,
            )
        for status in moves[1:] if moves and moves[0] == "open" else moves:
            ticket_transition(shop=shop, ticket_id=ticket.pk, target=status)
    return ticket
