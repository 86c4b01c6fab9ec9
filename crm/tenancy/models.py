"""The base of every tenant-owned model."""

from django.db import models

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
