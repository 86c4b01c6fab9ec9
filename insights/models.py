"""Scoring runs and their per-customer snapshots, the per-shop "current run" pointer and
the per-shop segment map.

Data and constraints only; writes go through insights/services/. Each run is a stored
snapshot: its cut points, segment map, model fits and one CustomerScore row per scored
customer. A run becomes current only when it succeeds, in the same transaction that
writes its scores, so a run that dies leaves the previous snapshot current.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.platform.jobs import DurableJob
from crm.platform.money import MONEY
from crm.tenancy.models import ShopOwnedModel, TenantForeignKey, shop_key_without_index


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class RunTrigger(models.TextChoices):
    NIGHTLY = "nightly", _("Nightly")
    STAFF = "staff", _("Staff")
    COMMAND = "command", _("Command line")


class FitStatus(models.TextChoices):
    OK = "ok", _("Fitted")
    INSUFFICIENT_DATA = "insufficient_data", _("Insufficient data")
    NOT_RUN = "not_run", _("Not run")


class LifecycleStage(models.TextChoices):
    NEW = "new", _("New")
    ACTIVE = "active", _("Active")
    AT_RISK = "at_risk", _("At risk")
    CHURNED = "churned", _("Churned")


class ScoringRun(ShopOwnedModel, DurableJob):
    """A durable job (crm/platform/jobs.py): the row is the promise, the task message only a nudge."""

    # Counted per shop (#1, #2, ... of this shop), so staff never see another shop's count.
    number = models.PositiveIntegerField(_("run number"), editable=False)
    as_of = models.DateField(_("as of"))
    trigger = models.CharField(_("trigger"), max_length=10, choices=RunTrigger.choices, default=RunTrigger.STAFF)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_message = models.CharField(_("progress"), max_length=200, blank=True)
    customers_scored = models.PositiveIntegerField(_("customers scored"), default=0)
    rfm_cutpoints = models.JSONField(_("RFM cut points"), default=dict, blank=True)
    segment_map = models.JSONField(_("segment map used"), default=list, blank=True)
    segment_counts = models.JSONField(_("customers per segment"), default=dict, blank=True)
    # KPIs, per-segment totals, the R x F grid, lifecycle counts and the CLV histogram:
    # what the dashboard and API read without aggregating a million score rows per request.
    stats = models.JSONField(_("statistics"), default=dict, blank=True)
    bgnbd_status = models.CharField(
        _("BG/NBD fit"), max_length=20, choices=FitStatus.choices, default=FitStatus.NOT_RUN
    )
    bgnbd_reason = models.CharField(_("BG/NBD note"), max_length=300, blank=True)
    bgnbd_params = models.JSONField(_("BG/NBD parameters"), default=dict, blank=True)
    gamma_gamma_status = models.CharField(
        _("Gamma-Gamma fit"), max_length=20, choices=FitStatus.choices, default=FitStatus.NOT_RUN
    )
    gamma_gamma_reason = models.CharField(_("Gamma-Gamma note"), max_length=300, blank=True)
    gamma_gamma_params = models.JSONField(_("Gamma-Gamma parameters"), default=dict, blank=True)
    fit_quality = models.JSONField(_("fit quality"), default=dict, blank=True)
    timings = models.JSONField(_("timings (s)"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Old runs keep their summary but lose their per-customer rows (see scoring_history_prune).
    scores_pruned_at = models.DateTimeField(_("scores pruned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        constraints = [
            # At most one queued or running run per shop: a second request fails on insert.
            models.UniqueConstraint(
                fields=["shop"], condition=Q(status__in=["queued", "running"]), name="scoring_run_one_active_uniq"
            ),
            # The nightly dispatcher inserts at most one run per shop and as-of day.
            models.UniqueConstraint(
                fields=["shop", "as_of"], condition=Q(trigger="nightly"), name="scoring_run_nightly_uniq"
            ),
            models.UniqueConstraint(fields=["shop", "number"], name="scoring_run_shop_number_uniq"),
        ]
        indexes = [models.Index(fields=["shop", "-created_at"], name="scoring_run_shop_created_idx")]

    def __str__(self) -> str:
        return f"#{self.number} {self.as_of} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES


class CustomerScore(ShopOwnedModel):
    """One customer's scores in one run (written set-based by the run, never edited)."""

    # Keyed by what identifies a score: no surrogate id, whose index each of a run's million
    # inserts paid for (migration 0008).
    pk = models.CompositePrimaryKey("shop", "run", "customer")

    # Without ShopOwnedModel's lone shop_id index: every index here starts with shop, and
    # each index is paid for on every one of a run's million inserts. Without its foreign-key
    # constraint too (migration 0007): the deferred check queued one trigger event per row and
    # ran a million lookups of the same shop at commit. Row-level security already pins every
    # row to the shop in scope, and deleting a shop cascades through the ORM.
    shop = shop_key_without_index(db_constraint=False)

    # No foreign-key constraint in the database for these two (migration 0004 drops the
    # composite ones TenantTable adds; 0006 its (shop_id, id) key, which nothing points at):
    # a run writes a million rows in one statement, and checking each row's keys at commit
    # took longer than the whole computation. The rows are derived under row-level security
    # from the shop's own orders (whose composite key ties each customer to the shop) and
    # written only by scoring_run_execute.
    run = TenantForeignKey(
        ScoringRun, on_delete=models.CASCADE, related_name="scores", db_index=False, verbose_name=_("run")
    )
    customer = TenantForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("customer")
    )
    recency_days = models.PositiveIntegerField(_("days since last order"))
    frequency = models.PositiveIntegerField(_("orders"))
    monetary = models.DecimalField(_("net spend"), **MONEY)
    r_score = models.PositiveSmallIntegerField("R")
    f_score = models.PositiveSmallIntegerField("F")
    m_score = models.PositiveSmallIntegerField("M")
    segment = models.CharField(_("segment"), max_length=50)
    p_alive = models.FloatField(_("P(alive)"), null=True, blank=True)
    expected_purchases_90d = models.FloatField(_("expected purchases (90 days)"), null=True, blank=True)
    expected_order_value = models.DecimalField(_("expected order value"), null=True, blank=True, **MONEY)
    clv_12m = models.DecimalField(_("12-month CLV"), null=True, blank=True, **MONEY)
    lifecycle_stage = models.CharField(_("lifecycle stage"), max_length=10, choices=LifecycleStage.choices)
    churn_risk = models.BooleanField(_("churn risk"), default=False)

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")
        # A customer's history probes the (shop, run, customer) key once per kept run,
        # so no (shop, customer) index is maintained on every write.
        indexes = [models.Index(fields=["shop", "run", "segment"], name="customer_score_segment_idx")]


class ShopScoringState(ShopOwnedModel):
    """Which run's snapshot the shop currently sees (one row per shop)."""

    current_run = TenantForeignKey(
        ScoringRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("current run")
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("scoring state")
        verbose_name_plural = _("scoring states")
        constraints = [models.UniqueConstraint(fields=["shop"], name="shop_scoring_state_shop_uniq")]


class SegmentMapConfig(ShopOwnedModel):
    """The shop's own segment map (rules validated by insights.scoring.rfm.segment_map_validate);
    without a row the documented default map applies."""

    rules = models.JSONField(_("segment rules"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("segment map")
        verbose_name_plural = _("segment maps")
        constraints = [models.UniqueConstraint(fields=["shop"], name="segment_map_config_shop_uniq")]
