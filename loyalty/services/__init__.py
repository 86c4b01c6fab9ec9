"""Writes of the loyalty program (see each module's docstring)."""

from loyalty.services.accounts import accounts_ensure, accounts_lock, tiers_recompute
from loyalty.services.ledger import InsufficientPoints, LoyaltyInvalid, points_adjust, points_redeem
from loyalty.services.merge import loyalty_merge
from loyalty.services.orders import order_changes_apply
from loyalty.services.program import program_update, tier_rules_preview, tier_rules_schedule, tiers_clean
from loyalty.services.settle import SettleResult, loyalty_settle

__all__ = [
    "InsufficientPoints",
    "LoyaltyInvalid",
    "SettleResult",
    "accounts_ensure",
    "accounts_lock",
    "loyalty_merge",
    "loyalty_settle",
    "order_changes_apply",
    "points_adjust",
    "points_redeem",
    "program_update",
    "tier_rules_preview",
    "tier_rules_schedule",
    "tiers_clean",
    "tiers_recompute",
]
