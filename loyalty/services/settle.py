"""The nightly settle of one shop, as of a given moment (`at` is the clock for everything
it decides): pending points whose return window has ended become available, lots past
their expiry are expired, the yearly growth decay is applied once per year, and tiers are
recomputed. Each step is set-based; what it settled stays settled (a later run with an
earlier `at` finds nothing to undo, and a second run with the same `at` changes nothing)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils.translation import gettext as _

from crm.models import Shop
from crm.platform.postgresql.citus import staged_insert
from loyalty.models import LoyaltyProgram
from loyalty.selectors import local_date
from loyalty.services.accounts import tiers_recompute


@dataclass(frozen=True)
class SettleResult:
    made_available: int
    expired: int
    decayed: int
    tier_changes: int


def _release_pending(shop: Shop, at: datetime) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE loyalty_ledgerentry SET is_pending = false "
            "WHERE shop_id = %s AND is_pending AND available_at <= %s",
            [shop.pk, at],
        )
        return cursor.rowcount


def _expire(shop: Shop, at: datetime) -> int:
    """One expire entry per lot past its expiry; the accounts of the customers concerned are
    locked first, in id order, as every spend does, so no spend takes from a lot meanwhile."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id FROM loyalty_loyaltyaccount a WHERE a.shop_id = %s AND a.customer_id IN ("
            "  SELECT customer_id FROM loyalty_ledgerentry"
            "  WHERE shop_id = %s AND remaining > 0 AND expires_at <= %s"
            ") ORDER BY a.customer_id FOR UPDATE",
            [shop.pk, shop.pk, at],
        )
        cursor.execute(
            staged_insert(
                """
            WITH lots AS (
                SELECT id, customer_id, remaining FROM loyalty_ledgerentry
                WHERE shop_id = %s AND remaining > 0 AND expires_at <= %s
            ), emptied AS (
                UPDATE loyalty_ledgerentry e SET remaining = 0 FROM lots
                WHERE e.shop_id = %s AND e.id = lots.id
                RETURNING lots.id, lots.customer_id, lots.remaining
            )
            INSERT INTO loyalty_ledgerentry
                (shop_id, customer_id, kind, points, growth, remaining, is_pending, order_external_id, rule,
                 reason, created_at)
            SELECT %s, customer_id, 'expire', -remaining, 0, 0, false, '', %s || id, '', %s FROM emptied
            """,
                connection,
            ),
            [shop.pk, at, shop.pk, shop.pk, _("Expired: points of entry #"), at],
        )
        return cursor.rowcount


def _decay(shop: Shop, program: LoyaltyProgram, at: datetime) -> int:
    """On the first settle of a new (shop-local) year, take the decay share of each
    account's growth value; the program remembers the year so it happens once."""
    year = local_date(shop, at).year
    if not program.yearly_decay_percent:
        return 0
    if program.last_decay_year is None or year <= program.last_decay_year:
        if program.last_decay_year is None:
            LoyaltyProgram.objects.filter(pk=program.pk).update(last_decay_year=year)
        return 0
    tiers_recompute(shop=shop, program=program, at=at)
    with connection.cursor() as cursor:
        cursor.execute(
            staged_insert(
                "INSERT INTO loyalty_ledgerentry (shop_id, customer_id, kind, points, growth, remaining, is_pending,"
                " order_external_id, rule, reason, created_at) "
                "SELECT shop_id, customer_id, 'decay', 0, -FLOOR(growth_value * %s / 100.0)::bigint, 0, false, '',"
                " %s, '', %s FROM loyalty_loyaltyaccount WHERE shop_id = %s AND growth_value > 0",
                connection,
            ),
            [program.yearly_decay_percent, _("Yearly growth decay %(percent)s%%") % {
                "percent": program.yearly_decay_percent}, at, shop.pk],
        )  # fmt: skip
        decayed = cursor.rowcount
    LoyaltyProgram.objects.filter(pk=program.pk).update(last_decay_year=year)
    return decayed


@transaction.atomic
def loyalty_settle(*, shop: Shop, at: datetime) -> SettleResult:
    # The program row's lock makes two settles of one shop run one after the other.
    program = LoyaltyProgram.objects.select_for_update().filter(is_enabled=True).first()
    if program is None:
        return SettleResult(0, 0, 0, 0)
    made_available = _release_pending(shop, at)
    expired = _expire(shop, at)
    decayed = _decay(shop, program, at)
    tier_changes = tiers_recompute(shop=shop, program=program, at=at)
    return SettleResult(made_available, expired, decayed, tier_changes)
