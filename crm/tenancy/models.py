"""The base of every tenant-owned model and the foreign key between two of them."""

from django.db import models
from django.db.models.lookups import Exact
from django.db.models.sql.where import AND, WhereNode

from crm.tenancy.context import require_shop_id


class ShopScopedQuerySet(models.QuerySet):
    pass


class ShopScopedManager(models.Manager.from_queryset(ShopScopedQuerySet)):
    """Fail-closed default manager: filters by the shop in scope and raises
    `ShopScopeError` when there is none. It is a safety net; the boundary is the
    database's row-level security (crm/tenancy/migrations.py)."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(shop_id=require_shop_id())


class ShopOwnedModel(models.Model):
    """Every row belongs to exactly one shop, set at creation and never changed.

    `objects` is scoped to the current shop; `all_shops` crosses shops and is allowed only
    in the modules listed in tests/architecture/test_tenancy_rules.py (admin, beat
    dispatchers, platform commands). Each concrete subclass's migration must apply
    `TenantTable` so the database enforces the same boundary.
    """

    shop = models.ForeignKey("crm.Shop", on_delete=models.CASCADE, editable=False, related_name="+")

    objects = ShopScopedManager()
    all_shops = models.Manager()  # noqa: DJ012 - declared second so `objects` stays the default manager

    class Meta:
        abstract = True

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        """An UPDATE from save() never sets shop_id (Citus refuses to modify the distribution
        column) and names the row by (shop_id, id), its primary key in the database, so it
        goes to the one shard that holds the row."""
        values = [value for value in values if value[0].attname != "shop_id"]
        base_qs = base_qs.filter(shop_id=self.shop_id)
        return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)


class TenantForeignKey(models.ForeignKey):
    """A foreign key from one tenant model to another, always within one shop.

    The database constraint is the composite (shop_id, x_id) key that TenantTable adds (never
    a single-column one: the target's primary key is (shop_id, id), and a single-column key
    could point into another shop), so `db_constraint` is always False here. Every join
    along it, forward or reverse, also matches shop_id, so a distributed database (Citus)
    finds both rows on the same shard and routes the query to it."""

    def __init__(self, *args, **kwargs):
        kwargs["db_constraint"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("db_constraint", None)
        return name, path, args, kwargs

    def get_extra_restriction(self, alias, related_alias):
        # `alias` is the target's table, `related_alias` this model's; a join Django trims
        # away (alias None) has no target side to restrict.
        if alias is None:
            return None
        target_shop = self.related_model._meta.get_field("shop")
        own_shop = self.model._meta.get_field("shop")
        return WhereNode([Exact(target_shop.get_col(alias), own_shop.get_col(related_alias))], connector=AND)


def shop_key_without_index(*, db_constraint: bool = True) -> models.ForeignKey:
    """ShopOwnedModel's `shop`, minus its single-column index, for a table whose indexes all
    start with shop_id: with the lone shop_id index present, PostgreSQL plans the (shop_id, id)
    foreign-key checks of a shop its statistics think is small (any new shop) as "scan all of
    the shop's rows, filter on id", checks that get slower with every row the shop gains
    inside one bulk transaction.

    `db_constraint=False` for a table whose composite (shop_id, parent_id) foreign key already
    proves the shop exists (the parent's own shop key does), or whose rows are written only by
    code that runs under the shop's row-level security: one trigger per inserted row less,
    about a third of the cost of loading an order line."""
    return models.ForeignKey(
        "crm.Shop", on_delete=models.CASCADE, editable=False, related_name="+", db_index=False,
        db_constraint=db_constraint,
    )  # fmt: skip
