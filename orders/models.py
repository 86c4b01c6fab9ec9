"""Orders, their lines, status history and refunds, and CSV import jobs.

Data and constraints only. Writes go through orders/services/ (one validation function
and one set-based writer shared by the REST, bulk and CSV paths).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.platform.channels import ORDER_CHANNEL_CHOICES, Channel
from crm.platform.jobs import DurableJob, JobStatus
from crm.platform.money import MONEY
from crm.tenancy.models import ShopOwnedModel, TenantForeignKey, shop_key_without_index


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")

    @classmethod
    def counted(cls) -> tuple[str, ...]:
        """Statuses whose orders count as purchases (customer stats, RFM, CLV), under one
        refund rule: an order counts at its total minus its refunds, and not at all once its
        refunds reach its total. `refunded` is out even without refund rows (imported orders
        carry the status alone; counting them at full value would invent spend), and so are
        `pending` (not paid yet) and `cancelled`. SQL form: orders.purchases.counted_order_sql."""
        return (cls.PAID, cls.SHIPPED, cls.DELIVERED, cls.COMPLETED, cls.PARTIALLY_REFUNDED)


class ChangeSource(models.TextChoices):
    API = "api", _("Storefront API")
    IMPORT = "import", _("CSV import")
    STAFF = "staff", _("Staff")
    REFUND = "refund", _("Refund")
    DEMO = "demo", _("Demo data")


class Order(ShopOwnedModel):
    """One storefront order, upserted by its `external_id`.

    `content_hash` fingerprints the last ingested payload, so replaying the same order
    (API retry, re-imported CSV) writes nothing. Recipient fields are personal data and
    are blanked by `order_personal_data_erase`; amounts and region stay for analytics.
    """

    shop = shop_key_without_index(db_constraint=False)

    external_id = models.CharField(_("order id"), max_length=128)
    # On this and the other in-shop foreign keys: no single-column constraint or index.
    # TenantTable's composite (shop_id, x_id) foreign key enforces the same reference and
    # the same shop, the shop-first indexes below serve the lookups, and one check and
    # one index per row fewer matter on the bulk ingest path.
    customer = TenantForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,
        verbose_name=_("customer"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=ORDER_CHANNEL_CHOICES, default=Channel.WEB)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    placed_at = models.DateTimeField(_("placed at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    subtotal = models.DecimalField(_("subtotal"), **MONEY)
    discount = models.DecimalField(_("discount"), default=Decimal("0"), **MONEY)
    shipping = models.DecimalField(_("shipping"), default=Decimal("0"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    coupon_code = models.CharField(_("coupon code"), max_length=64, blank=True)
    shipping_province = models.CharField(_("shipping province"), max_length=64, blank=True)
    shipping_city = models.CharField(_("shipping city"), max_length=64, blank=True)
    shipping_address = models.CharField(_("shipping address"), max_length=500, blank=True)
    recipient_name = models.CharField(_("recipient name"), max_length=100, blank=True)
    recipient_phone = models.CharField(_("recipient phone"), max_length=20, blank=True)
    content_hash = models.CharField(_("content fingerprint"), max_length=32, editable=False)
    # The storefront's own `updated_at` of the payload stored; an older payload is ignored.
    storefront_updated_at = models.DateTimeField(_("updated in the storefront"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [models.UniqueConstraint(fields=["shop", "external_id"], name="order_shop_external_id_uniq")]
        indexes = [
            models.Index(fields=["shop", "-placed_at", "-id"], name="order_shop_placed_idx"),
            models.Index(fields=["shop", "customer", "placed_at"], name="order_shop_customer_idx"),
            models.Index(fields=["shop", "status", "-placed_at"], name="order_shop_status_idx"),
        ]

    def __str__(self) -> str:
        return self.external_id


class OrderLine(ShopOwnedModel):
    shop = shop_key_without_index(db_constraint=False)
    order = TenantForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", db_index=False, verbose_name=_("order")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("product name"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    line_total = models.DecimalField(_("line total"), **MONEY)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        indexes = [models.Index(fields=["shop", "order", "position"], name="order_line_order_idx")]

    def __str__(self) -> str:
        return f"{self.sku} x{self.quantity}"


class OrderStatusChange(ShopOwnedModel):
    """Append-only: one row per status an order entered, written under the order's row
    lock, so the ids of one order's rows are in commit order."""

    shop = shop_key_without_index(db_constraint=False)

    order = TenantForeignKey(
        Order, on_delete=models.CASCADE, related_name="status_changes", db_index=False, verbose_name=_("order")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=OrderStatus.choices)
    source = models.CharField(_("source"), max_length=10, choices=ChangeSource.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("actor user"),
    )
    actor_api_key = TenantForeignKey(
        "crm.ApiKey",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("actor API key"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [models.Index(fields=["shop", "order", "changed_at"], name="order_status_order_idx")]


class Refund(ShopOwnedModel):
    shop = shop_key_without_index(db_constraint=False)
    order = TenantForeignKey(
        Order, on_delete=models.PROTECT, related_name="refunds", db_index=False, verbose_name=_("order")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        indexes = [models.Index(fields=["shop", "order", "created_at"], name="refund_order_idx")]


class RefundLine(ShopOwnedModel):
    """A snapshot of what was refunded (order lines are replaced on re-ingest, so no FK)."""

    shop = shop_key_without_index(db_constraint=False)

    refund = TenantForeignKey(
        Refund, on_delete=models.CASCADE, related_name="lines", db_index=False, verbose_name=_("refund")
    )
    sku = models.CharField(_("SKU"), max_length=64)
    quantity = models.PositiveIntegerField(_("quantity"))
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = _("refund line")
        verbose_name_plural = _("refund lines")
        indexes = [models.Index(fields=["shop", "refund"], name="refund_line_refund_idx")]


class OrderNote(ShopOwnedModel):
    """A staff note on one order (a call with the courier, a promise made). Free text that
    may name people: erased with the customer's personal data."""

    shop = shop_key_without_index(db_constraint=False)
    order = TenantForeignKey(
        Order, on_delete=models.CASCADE, related_name="notes", db_index=False, verbose_name=_("order")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("author"),
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("order note")
        verbose_name_plural = _("order notes")
        indexes = [models.Index(fields=["shop", "order", "created_at"], name="order_note_order_idx")]


ImportStatus = JobStatus  # the shared job statuses (crm/jobs.py)


class ImportJob(ShopOwnedModel, DurableJob):
    """One uploaded order CSV and what became of it (a durable job: crm/platform/jobs.py). Live
    progress while running is in the cache, because the import runs in one transaction."""

    shop = shop_key_without_index()

    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    file_name = models.CharField(_("file"), max_length=255)
    file_path = models.CharField(_("stored file"), max_length=500, blank=True, editable=False)
    default_channel = models.CharField(
        _("default channel"), max_length=20, choices=ORDER_CHANNEL_CHOICES, default=Channel.WEB
    )
    # The status of the file's orders that have none; blank: the ingest's default (pending).
    default_status = models.CharField(
        _("status of orders without one"), max_length=20, choices=OrderStatus.choices, blank=True
    )
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed rows"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rejected rows"), default=0)
    orders_created = models.PositiveIntegerField(_("orders imported"), default=0)
    orders_updated = models.PositiveIntegerField(_("orders updated"), default=0)
    orders_unchanged = models.PositiveIntegerField(_("orders unchanged"), default=0)
    orders_rejected = models.PositiveIntegerField(_("orders rejected"), default=0)
    orders_not_counted = models.PositiveIntegerField(_("orders that do not count"), default=0)
    rejects = models.JSONField(_("rejected rows"), default=list, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")
        indexes = [models.Index(fields=["shop", "-created_at"], name="import_job_shop_time_idx")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
