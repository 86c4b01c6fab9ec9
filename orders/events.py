"""Order-change events: how apps above orders learn that orders changed.

Every order write path (single upsert, bulk ingest, CSV import, status change, refund)
builds one `OrderChange` per order it created or changed and calls `order_changes_emit`
once per batch, inside its transaction. Each registered handler is called once with the
whole batch (set-based: one query per batch, never one per order); a handler's exception
rolls the order write back. Apps register in their `AppConfig.ready()`; slow or outside
work (messages, provider calls) belongs in an outbox row written by the handler, not in
the handler itself.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm.models import Shop
from crm.platform.request_context import actor_var


@dataclass(frozen=True, slots=True)
class OrderChange:
    order_id: int
    customer_id: int
    from_status: str  # "" for an order created by this write
    to_status: str  # the same as from_status when only the content changed (or a refund kept it)
    total: Decimal
    placed_at: datetime
    source: str  # ChangeSource: api (storefront key), import, staff, refund, demo
    changed_at: datetime
    refund_amount: Decimal = Decimal("0")
    previous_customer_id: int | None = None  # set when the order moved to another customer
    is_new_customer: bool = False  # the customer was created by this write, with its stats
    api_key_id: int | None = None  # the storefront key that made the change
    actor_user_id: int | None = None  # the staff user who made the change

    @property
    def is_new_order(self) -> bool:
        return self.from_status == ""


OrderChangeHandler = Callable[[Shop, Sequence[OrderChange]], None]

# name -> handler, called in registration order; filled from AppConfig.ready().
ORDER_CHANGE_HANDLERS: dict[str, OrderChangeHandler] = {}


def order_change_handler_register(name: str, handler: OrderChangeHandler) -> None:
    ORDER_CHANGE_HANDLERS[name] = handler


def order_changes_emit(*, shop: Shop, changes: Sequence[OrderChange]) -> None:
    """Call every handler once with this batch's changes; nothing is called for none."""
    if not changes:
        return
    for handler in list(ORDER_CHANGE_HANDLERS.values()):
        handler(shop, changes)


def change_actor() -> dict:
    """Who is writing (the request's or task's actor), as OrderChange keyword arguments."""
    actor = actor_var.get()
    return {"api_key_id": actor.api_key_id, "actor_user_id": actor.user_id}
