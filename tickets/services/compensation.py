"""Compensation on a ticket: refund (recorded on the order through the orders app's refund
service), replacement, apology. Above the shop's approval threshold a manager approves it
first; a manager's own request above it takes effect at once."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Membership, Role, Shop, User, role_at_least
from crm.platform.text import text_problem
from crm.shops.audit import audit_event_record
from orders.services import OrderStateError, RefundInvalid, refund_create
from tickets.models import Compensation, CompensationKind, CompensationStatus, Ticket
from tickets.review_terms import asks_for_review_change
from tickets.services.settings import ticket_settings_get

# The kinds this shop can give today (coupons and points come with their apps).
AVAILABLE_KINDS = (CompensationKind.REFUND, CompensationKind.REPLACEMENT, CompensationKind.APOLOGY)


class CompensationInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def _is_manager(user: User | None) -> bool:
    if user is None:
        return False
    membership = Membership.objects.filter(user=user).first()
    return membership is not None and role_at_least(membership.role, Role.MANAGER)


def _clean(ticket: Ticket, kind: str, amount: Decimal, note: str) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in AVAILABLE_KINDS:
        errors["kind"] = [_("Must be one of: %(kinds)s.") % {"kinds": ", ".join(AVAILABLE_KINDS)}]
    if amount < 0:
        errors["amount"] = [_("Must not be negative.")]
    if kind == CompensationKind.REFUND:
        if ticket.order_id is None:
            errors["kind"] = [_("A refund needs the ticket's order.")]
        if amount <= 0:
            errors["amount"] = [_("A refund must be more than zero.")]
    if len(note) > 300 or text_problem(note):
        errors["note"] = [_("Text of at most %(limit)d characters.") % {"limit": 300}]
    elif asks_for_review_change(note):
        errors["note"] = [_("Compensation may not depend on the customer changing a review.")]
    if errors:
        raise CompensationInvalid(errors)


@transaction.atomic
def compensation_request(
    *, shop: Shop, ticket: Ticket, kind: str, amount: Decimal, note: str, user: User | None
) -> Compensation:
    note = (note or "").strip()
    _clean(ticket, kind, amount, note)
    threshold = ticket_settings_get(shop=shop).approval_threshold
    needs_approval = amount > threshold and not _is_manager(user)
    compensation = Compensation.objects.create(
        shop=shop, ticket=ticket, kind=kind, amount=amount, note=note, requested_by=user,
        status=CompensationStatus.PENDING_APPROVAL if needs_approval else CompensationStatus.APPLIED,
    )  # fmt: skip
    audit_event_record(action="ticket.compensation", obj=compensation,
                       changes={"kind": kind, "amount": str(amount), "needs_approval": needs_approval})  # fmt: skip
    if not needs_approval:
        _apply(shop, compensation, user)
    return compensation


@transaction.atomic
def compensation_decide(*, shop: Shop, compensation_id: int, approve: bool, user: User) -> Compensation:
    """A manager approves (it takes effect now) or rejects a compensation awaiting approval."""
    if not _is_manager(user):
        raise CompensationInvalid({"non_field_errors": [_("Only a manager may approve compensation.")]})
    compensation = Compensation.objects.select_for_update(of=("self",)).select_related("ticket").get(
        pk=compensation_id
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
    if compensation.kind != CompensationKind.REFUND:
        return  # replacement and apology are done by the agent; the record is the promise
    reason = _("Ticket #%(number)d") % {"number": compensation.ticket.number}
    try:
        compensation.refund = refund_create(
            shop=shop, order_id=compensation.ticket.order_id, data={"amount": str(compensation.amount),
                                                                    "reason": reason}, actor_user=user,
        )  # fmt: skip
    except RefundInvalid as invalid:
        raise CompensationInvalid({"amount": invalid.errors.get("amount", [str(invalid)])}) from None
    except OrderStateError as error:
        raise CompensationInvalid({"kind": [str(error)]}) from None
    compensation.save(update_fields=["refund"])
