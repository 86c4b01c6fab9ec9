"""Customer profiles and what hangs off them: channel ids, secondary identifiers, consent, tags,
notes, merges.

Data and constraints only; writes go through customers/services/ and customers/identity.py.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, ExtractDay, ExtractMonth, Lower, Reverse, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.platform.channels import Channel
from crm.platform.jobs import DurableJob, JobStatus
from crm.platform.money import MONEY
from crm.tenancy.models import ShopOwnedModel, TenantForeignKey, shop_key_without_index


class Gender(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class Customer(ShopOwnedModel):
    """One person as the shop knows them.

    `phone` (E.164) and `email` (lower-cased, trimmed) are unique per shop among live
    customers (not merged away), so concurrent creates for the same person converge on
    one row (customers/identity.py). The order stats are denormalized and maintained only
    by customers/stats.py.
    """

    # Every index here starts with shop_id (crm/tenancy/models.py says why that matters).
    shop = shop_key_without_index()
    name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, null=True, blank=True)
    email = models.CharField(_("email"), max_length=254, null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    province = models.CharField(_("province"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    district = models.CharField(_("district"), max_length=64, blank=True)
    # Set by an explicit edit of province/city; until then both follow the latest order's
    # shipping province/city (orders' order-change handler).
    is_region_edited = models.BooleanField(_("region edited by hand"), default=False, db_default=False, editable=False)
    source_channel = models.CharField(_("source channel"), max_length=20, choices=Channel.choices, blank=True)
    attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    # Messages are written in this language ("zh-hans", "en"); blank means the shop's.
    language = models.CharField(_("language"), max_length=10, blank=True, default="", db_default="")
    is_automated_targeting_refused = models.BooleanField(_("refuses automated targeting"), default=False)
    # Kept by the composite (shop_id, merged_into_id) key and index alone.
    merged_into = TenantForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_duplicates", editable=False,
        db_index=False, verbose_name=_("merged into"),
    )  # fmt: skip
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    orders_count = models.PositiveIntegerField(_("number of orders"), default=0, editable=False)
    total_spent = models.DecimalField(_("total spent"), default=Decimal("0"), editable=False, **MONEY)
    refunds_count = models.PositiveIntegerField(_("refunds"), default=0, editable=False)
    refunded_amount = models.DecimalField(_("refunded"), default=Decimal("0"), editable=False, **MONEY)
    first_order_at = models.DateTimeField(_("first order"), null=True, blank=True, editable=False)
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True, editable=False)

    # Search keys computed by the database, for prefix matches (`starts_with`) on btree
    # pattern indexes: under row-level security PostgreSQL only uses an index for LEAKPROOF
    # operators, and starts_with is one (LIKE is not). Substring search has trigram indexes
    # and its own function instead (customers/migrations/0006_substring_search.py).
    name_key = models.GeneratedField(expression=Lower("name"), output_field=models.TextField(), db_persist=True)
    given_name_key = models.GeneratedField(
        expression=Lower(Substr("name", 2)), output_field=models.TextField(), db_persist=True
    )
    phone_reversed = models.GeneratedField(
        expression=Reverse("phone"), output_field=models.TextField(), db_persist=True
    )
    # The birthday's month and day as one number (March 7 -> 307), for "whose birthday is
    # on day X" (care messages): an integer equality is LEAKPROOF, so under row-level security
    # it can use the index below, where EXTRACT() on the date could not.
    birthday_month_day = models.GeneratedField(
        expression=Cast(ExtractMonth("birthday") * 100 + ExtractDay("birthday"), models.SmallIntegerField()),
        output_field=models.SmallIntegerField(),
        db_persist=True,
        verbose_name=_("birthday (month and day)"),
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "phone"],
                condition=Q(merged_into__isnull=True, phone__isnull=False),
                name="customer_shop_phone_live_uniq",
            ),
            models.UniqueConstraint(
                fields=["shop", "email"],
                condition=Q(merged_into__isnull=True, email__isnull=False),
                name="customer_shop_email_live_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "last_order_at", "id"], name="customer_shop_last_order_idx"),
            models.Index(fields=["shop", "total_spent", "id"], name="customer_shop_spent_idx"),
            models.Index(fields=["shop", "merged_into"], name="customer_shop_merged_idx"),
            # The list's newest-first pages (a generic plan, customers/selectors/listing.py): with
            # only the primary key and the unique (shop, id) to choose from, PostgreSQL walked the
            # primary key down from the newest id and filtered by shop, through every customer other
            # shops added since this shop's newest. The live-only partial index is the cheaper
            # path, so it is the one taken.
            models.Index(
                fields=["shop", "id"], condition=Q(merged_into__isnull=True), name="customer_shop_live_id_idx"
            ),
            # The few who refused automated targeting (PIPL art. 24): every scoring run reads
            # them, and without this index that read scanned the whole shop.
            models.Index(
                fields=["shop"], condition=Q(is_automated_targeting_refused=True), name="customer_targeting_refused_idx"
            ),
            # Prefix searches (see the search keys above): name, given name (the name
            # without its first character: the surname, for Chinese names), the phone's
            # last digits (reversed; duplicate candidates), email. INCLUDE id: a search collects the
            # matching ids with index-only scans.
            models.Index(
                fields=["shop", "name_key"],
                opclasses=["int8_ops", "text_pattern_ops"],
                include=["id"],
                name="customer_name_prefix_idx",
            ),
            models.Index(
                fields=["shop", "given_name_key"],
                opclasses=["int8_ops", "text_pattern_ops"],
                include=["id"],
                name="customer_given_prefix_idx",
            ),
            models.Index(
                fields=["shop", "phone_reversed"],
                opclasses=["int8_ops", "text_pattern_ops"],
                include=["id"],
                name="customer_phone_suffix_idx",
            ),
            models.Index(
                fields=["shop", "email"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                include=["id"],
                name="customer_email_prefix_idx",
            ),
            models.Index(fields=["shop", "orders_count", "id"], name="customer_shop_orders_count_idx"),
            # Live, not erased, with a birthday; INCLUDE id: a day's birthdays are an index-only scan.
            models.Index(
                fields=["shop", "birthday_month_day"],
                condition=Q(merged_into__isnull=True, erased_at__isnull=True, birthday_month_day__isnull=False),
                include=["id"],
                name="customer_birthday_day_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.phone or self.email or f"#{self.pk}"

    @property
    def is_live(self) -> bool:
        return self.merged_into_id is None

    @property
    def average_order_value(self) -> Decimal | None:
        if not self.orders_count:
            return None
        return (self.total_spent / self.orders_count).quantize(Decimal("0.01"))


class CustomerChannelId(ShopOwnedModel):
    """The storefront's own id for this customer on one channel."""

    # The composite (shop_id, customer_id) key proves both the customer and its shop: no
    # single-column keys or indexes beside it (one trigger and one index entry per row less).
    shop = shop_key_without_index(db_constraint=False)
    customer = TenantForeignKey(
        Customer, on_delete=models.CASCADE, related_name="channel_ids", db_index=False, verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    external_id = models.CharField(_("external id"), max_length=128)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("channel id")
        verbose_name_plural = _("channel ids")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "channel", "external_id"], name="customer_channel_id_shop_channel_ext_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["shop", "customer"], name="customer_channel_id_cust_idx"),
            models.Index(fields=["shop", "external_id"], name="customer_channel_id_ext_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class IdentifierKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")


class CustomerIdentifier(ShopOwnedModel):
    """A phone or email that finds this customer besides the profile's own: a merged
    duplicate's, so the next order with it resolves to the survivor instead of creating
    the duplicate again. Values are normalized like the profile's (E.164, lower-cased)."""

    customer = TenantForeignKey(
        Customer, on_delete=models.CASCADE, related_name="identifiers", db_index=False, verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=IdentifierKind.choices)
    value = models.CharField(_("value"), max_length=254)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("secondary identifier")
        verbose_name_plural = _("secondary identifiers")
        constraints = [
            models.UniqueConstraint(fields=["shop", "kind", "value"], name="customer_identifier_shop_kind_value_uniq")
        ]
        indexes = [models.Index(fields=["shop", "customer"], name="customer_identifier_cust_idx")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class AttributeType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    BOOLEAN = "boolean", _("Yes/no")
    CHOICE = "choice", _("Choice")


class CustomerAttributeDefinition(ShopOwnedModel):
    """The shop-defined schema of one key of `Customer.attributes`."""

    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    type = models.CharField(_("type"), max_length=10, choices=AttributeType.choices, default=AttributeType.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)

    class Meta:
        verbose_name = _("custom attribute")
        verbose_name_plural = _("custom attributes")
        constraints = [models.UniqueConstraint(fields=["shop", "key"], name="customer_attr_def_shop_key_uniq")]

    def __str__(self) -> str:
        return self.label


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    CARE = "care", _("Care")


class CustomerConsent(ShopOwnedModel):
    """The current consent for one (channel, purpose); no row means not granted."""

    customer = TenantForeignKey(Customer, on_delete=models.CASCADE, related_name="consents", verbose_name=_("customer"))
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=ConsentPurpose.choices)
    is_granted = models.BooleanField(_("granted"), default=False)
    source = models.CharField(_("source"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "customer", "channel", "purpose"], name="customer_consent_shop_cust_chan_purp_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.purpose}={self.is_granted}"


class ConsentEvent(ShopOwnedModel):
    """One change of consent: the history behind CustomerConsent."""

    customer = TenantForeignKey(
        Customer, on_delete=models.CASCADE, related_name="consent_events", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=ConsentPurpose.choices)
    is_granted = models.BooleanField(_("granted"))
    source = models.CharField(_("source"), max_length=64, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor user"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent change")
        verbose_name_plural = _("consent changes")
        indexes = [models.Index(fields=["shop", "customer", "-created_at"], name="consent_event_cust_time_idx")]


class Tag(ShopOwnedModel):
    name = models.CharField(_("name"), max_length=50)
    color = models.CharField(_("color"), max_length=7, default="#6b7280")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(fields=["shop", "name"], name="tag_shop_name_uniq")]

    def __str__(self) -> str:
        return self.name


class CustomerTag(ShopOwnedModel):
    """A tag on a customer, with who or what set it and when."""

    customer = TenantForeignKey(
        Customer, on_delete=models.CASCADE, related_name="customer_tags", verbose_name=_("customer")
    )
    tag = TenantForeignKey(Tag, on_delete=models.CASCADE, related_name="customer_tags", verbose_name=_("tag"))
    set_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("set by user"),
    )
    source = models.CharField(_("source"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        constraints = [models.UniqueConstraint(fields=["shop", "customer", "tag"], name="customer_tag_shop_cust_uniq")]
        indexes = [models.Index(fields=["shop", "tag", "customer"], name="customer_tag_tag_idx")]


class CustomerNote(ShopOwnedModel):
    customer = TenantForeignKey(Customer, on_delete=models.CASCADE, related_name="notes", verbose_name=_("customer"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [models.Index(fields=["shop", "customer", "-created_at"], name="customer_note_cust_time_idx")]


class CustomerMerge(ShopOwnedModel):
    """What a merge moved from the duplicate to the survivor.

    `moved` counts re-pointed rows per related model; `duplicate_identifiers` keeps the
    duplicate's phone/email/name/channel ids at merge time (cleared by erasure)."""

    survivor = TenantForeignKey(
        Customer, on_delete=models.PROTECT, related_name="merges_received", verbose_name=_("survivor")
    )
    duplicate = TenantForeignKey(
        Customer, on_delete=models.PROTECT, related_name="merges_given", verbose_name=_("duplicate")
    )
    moved = models.JSONField(_("moved"), default=dict)
    duplicate_identifiers = models.JSONField(_("duplicate's identifiers"), default=dict)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor user"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        indexes = [models.Index(fields=["shop", "survivor"], name="customer_merge_survivor_idx")]


class CustomerImportJob(ShopOwnedModel, DurableJob):
    """One uploaded customer CSV and what became of it (a durable job: crm/jobs.py). Live
    progress while running is in the cache, because the import runs in one transaction."""

    shop = shop_key_without_index()

    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    file_name = models.CharField(_("file"), max_length=255)
    file_path = models.CharField(_("stored file"), max_length=500, blank=True, editable=False)
    default_channel = models.CharField(_("default channel"), max_length=20, choices=Channel.choices,
                                       default=Channel.WEB)  # fmt: skip
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("customers created"), default=0)
    matched = models.PositiveIntegerField(_("customers matched"), default=0)
    rejected = models.PositiveIntegerField(_("rejected rows"), default=0)
    tagged = models.PositiveIntegerField(_("tags added"), default=0)
    rejects = models.JSONField(_("rejects"), default=list, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        indexes = [models.Index(fields=["shop", "-created_at"], name="customer_import_shop_time_idx")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
