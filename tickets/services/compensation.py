"""Compensation on a ticket: a refund (recorded on the order through the orders app's refund
service), a coupon (issued through a running coupon campaign), points (a loyalty adjustment),
a replacement or an apology. Above the shop's approval thresholds a manager approves it
first; a manager's own request takes effect at once."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignStatus
from campaigns.services.coupons import CouponIssueRefused, coupon_issue_to_customer
from crm.models import Membership, Role, Shop, User, role_at_least
from crm.platform.text import text_problem
from crm.shops.audit import audit_event_record
from loyalty.services import LoyaltyInvalid, points_adjust
from orders.services import OrderStateError, RefundInvalid, refund_create
from tickets.models import Compensation, CompensationKind, CompensationStatus, Ticket, TicketSettings
from tickets.review_terms import asks_for_review_change
from tickets.services.settings import ticket_settings_get

AVAILABLE_KINDS = tuple(CompensationKind)


class CompensationInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def _is_manager(user: User | None) -> bool:
    if user is None:
        return False
    membership = Membership.objects.filter(user=user).first()
    return membership is not None and role_at_least(membership.role, Role.MANAGER)


def running_campaigns() -> list[Campaign]:
    """The coupon campaigns a compensation can give a coupon of."""
    return list(Campaign.objects.filter(status=CampaignStatus.RUNNING).order_by("name"))


def _clean(ticket: Ticket, kind: str, amount: Decimal, points: int, campaign, note: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in CompensationKind.values:
        errors["kind"] = [_("Must be one of: %(kinds)s.") % {"kinds": ", ".join(CompensationKind.values)}]
    if amount < 0:
        errors["amount"] = [_("Must not be negative.")]
    if kind == CompensationKind.REFUND:
        if ticket.order_id is None:
            errors["kind"] = [_("A refund needs the ticket's order.")]
        if amount <= 0:
            errors["amount"] = [_("A refund must be more than zero.")]
    if kind == CompensationKind.COUPON and campaign is None:
        errors["campaign"] = [_("Choose a running coupon campaign.")]
    if kind == CompensationKind.POINTS and points <= 0:
        errors["points"] = [_("Give more than zero points.")]
    if len(note) > 300 or text_problem(note):
        errors["note"] = [_("Text of at most %(limit)d characters.") % {"limit": 300}]
    elif asks_for_review_change(note):
        errors["note"] = [_("Compensation may not depend on the customer changing a review.")]
    return errors


def _needs_approval(settings: TicketSettings, amount: Decimal, points: int, user: User | None) -> bool:
    return (amount > settings.approval_threshold or points > settings.approval_points) and not _is_manager(user)


@transaction.atomic
def compensation_request(
    *, shop: Shop, ticket: Ticket, kind: str, amount: Decimal = Decimal("0"), points: int = 0,
    campaign: Campaign | None = None, note: str = "", user: User | None,
) -> Compensation:  # fmt: skip
    """Record a compensation; it takes effect now, or once a manager approves it."""
    note = (note or "").strip()
    if campaign is not None and kind == CompensationKind.COUPON:
        amount = campaign.discount_amount or campaign.discount_cap or Decimal("0")
    if errors := _clean(ticket, kind, amount, points, campaign, note):
        raise CompensationInvalid(errors)
    needs_approval = _needs_approval(ticket_settings_get(shop=shop), amount, points, user)
    compensation = Compensation.objects.create(
        shop=shop, ticket=ticket, kind=kind, amount=amount, points=points, note=note, requested_by=user,
        campaign=campaign if kind == CompensationKind.COUPON else None,
        status=CompensationStatus.PENDING_APPROVAL if needs_approval else CompensationStatus.APPLIED,
    )  # fmt: skip
    audit_event_record(action="ticket.compensation", obj=compensation, changes={
        "kind": kind, "amount": str(amount), "points": points, "needs_approval": needs_approval})  # fmt: skip
    if not needs_approval:
        _apply(shop, compensation, user)
    return compensation


@transaction.atomic
def compensation_decide(*, shop: Shop, compensation_id: int, approve: bool, user: User) -> Compensation:
    """A manager approves (it takes effect now) or rejects a compensation awaiting approval."""
    if not _is_manager(user):
        raise CompensationInvalid({"non_field_errors": [_("Only a manager may approve compensation.")]})
    compensation = (
        Compensation.objects.select_for_update(of=("self",))
        .select_related("ticket", "campaign")
        .get(pk=compensation_id)
    )
    if compensation.status != CompensationStatus.PENDING_APPROVAL:
        raise CompensationInvalid({"non_field_errors": [_("This compensation was already decided.")]})
    compensation.status = CompensationStatus.APPLIED if approve else CompensationStatus.REJECTED
    compensation.decided_by, compensation.decided_at = user, timezone.now()
    compensation.save()
    audit_event_record(action="ticket.compensation_decide", obj=compensation, changes={"approved": approve})
    if approve:
        _apply(shop, compensation, user)
    return compensation


def _apply(shop: Shop, compensation: Compensation, user: User | None) -> None:
    """Give what was decided; replacement and apology are the agent's to do (the record is the
    promise). A refusal by the app that gives it rolls the whole request back."""
    ticket = compensation.ticket
    reason = _("Ticket #%(number)d") % {"number": ticket.number}
    try:
        if compensation.kind == CompensationKind.REFUND:
            compensation.refund = refund_create(
                shop=shop,
                order_id=ticket.order_id,
                actor_user=user,
                data={"amount": str(compensation.amount), "reason": reason},
            )
        elif compensation.kind == CompensationKind.COUPON:
            compensation.coupon = coupon_issue_to_customer(shop=shop, campaign=compensation.campaign,
                                                           customer=ticket.customer, reason=reason)  # fmt: skip
        elif compensation.kind == CompensationKind.POINTS:
            points_adjust(shop=shop, customer=ticket.customer, points=compensation.points, reason=reason, actor=user)
    except RefundInvalid as invalid:
        raise CompensationInvalid({"amount": invalid.errors.get("amount", [str(invalid)])}) from None
    except (OrderStateError, CouponIssueRefused) as error:
        raise CompensationInvalid({"kind": [str(error)]}) from None
    except LoyaltyInvalid as invalid:
        raise CompensationInvalid(
            {"points": [reason for reasons in invalid.errors.values() for reason in reasons]}
        ) from None
    compensation.save(update_fields=["refund", "coupon"])
