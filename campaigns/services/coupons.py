"""Coupon campaigns: create, launch, and issue coupons.

Launching a campaign with an audience queues a durable job (`CouponIssueJob`) that freezes
the audience as coupon rows, dated (`audience_frozen_at`): every customer in it gets one
row, held out or targeted (a held-out row has no code), decided by a hash of (campaign,
customer), so a retry or a second run places everyone the same way. Rows go in with
INSERT ... SELECT ... ON CONFLICT (shop, campaign, customer) DO NOTHING, batch by batch, so
running the job twice, even at once, leaves each customer one coupon.

Each targeted customer is sent the campaign's message through the messaging outbox
(purpose marketing, occasion "campaign:<id>", one bulk write per batch, in its transaction): consent, caps,
quiet hours and refusals are checked by messaging when it is sent.

`coupon_issue_to_customer` is what other apps call (tickets' compensation, care rules); it
sends nothing, since the caller's own message carries the code.
"""

import secrets
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignStatus, Coupon, CouponIssueJob, CouponSource, DiscountType, Redemption
from campaigns.services.audience import audience_is_segment_driven, audience_queryset
from campaigns.services.coupons_input import campaign_input_clean
from crm.models import Shop, User
from crm.platform.jobs import JobFailed, JobStatus, job_enqueue_on_commit, job_progress_report, job_run
from crm.shops.audit import audit_event_record
from customers.models import Customer
from messaging.models import Purpose
from messaging.services.outbox import message_enqueue_many

ISSUE_BATCH = 50_000
HOLDOUT_BUCKETS = 10_000  # holdout shares in hundredths of a percent
# 64 random bits as 16 hex digits: unguessable, and short enough to type.
CODE_SQL = "upper(substr(md5(gen_random_uuid()::text), 1, 16))"


class CampaignStateError(Exception):
    """The campaign's status does not allow this (HTTP 409)."""


def coupon_code_new() -> str:
    return secrets.token_hex(8).upper()


@transaction.atomic
def campaign_create(*, shop: Shop, data, created_by: User | None = None) -> Campaign:
    """A draft campaign from the API's JSON (or the builder's equivalent); CampaignInvalid otherwise."""
    fields = campaign_input_clean(data, tz=shop.tzinfo, default_currency=shop.currency)
    campaign = Campaign.objects.create(shop_id=shop.pk, created_by=created_by, **fields)
    audit_event_record(action="campaign.create", obj=campaign, changes={"name": campaign.name})
    return campaign


@transaction.atomic
def campaign_launch(*, shop: Shop, campaign_id: int) -> Campaign:
    """Start the campaign: with an audience, queue the job that freezes it and issues the
    coupons (the campaign runs once it is done); a shared code alone runs at once."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if campaign.status != CampaignStatus.DRAFT:
        raise CampaignStateError(_("Only a draft campaign can be launched."))
    campaign.launched_at = timezone.now()
    if campaign.audience:
        campaign.status = CampaignStatus.LAUNCHING
        job_enqueue_on_commit(CouponIssueJob.objects.create(shop_id=shop.pk, campaign=campaign))
    else:
        campaign.status = CampaignStatus.RUNNING
    campaign.save(update_fields=["status", "launched_at"])
    audit_event_record(action="campaign.launch", obj=campaign)
    return campaign


@transaction.atomic
def campaign_end(*, shop: Shop, campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if campaign.status != CampaignStatus.RUNNING:
        raise CampaignStateError(_("Only a running campaign can be ended."))
    campaign.status = CampaignStatus.ENDED
    campaign.save(update_fields=["status"])
    audit_event_record(action="campaign.end", obj=campaign)
    return campaign


def coupon_issue_run(*, shop_id: int, job_id: int) -> CouponIssueJob | None:
    """The issue job's body (safe to run twice: see the module doc)."""
    return job_run(CouponIssueJob, shop_id=shop_id, job_id=job_id, work=_issue)


def _issue(job: CouponIssueJob) -> None:
    campaign = Campaign.objects.select_for_update().get(pk=job.campaign_id)
    if campaign.status not in (CampaignStatus.LAUNCHING, CampaignStatus.RUNNING):
        raise JobFailed(_("The campaign is not being launched."))
    if campaign.audience_frozen_at is None:
        campaign.audience_frozen_at = timezone.now()
    coupons_issue_to_audience(campaign=campaign, job=job)
    campaign.status = CampaignStatus.RUNNING
    campaign.save(update_fields=["status", "audience_frozen_at"])
    counts = Coupon.objects.filter(campaign=campaign, source=CouponSource.AUDIENCE).values_list("is_holdout")
    job.held_out = counts.filter(is_holdout=True).count()
    job.targeted = counts.filter(is_holdout=False).count()
    job.status, job.finished_at = JobStatus.SUCCEEDED, timezone.now()
    job.save(update_fields=["status", "finished_at", "targeted", "held_out"])


def coupons_issue_to_audience(*, campaign: Campaign, job: CouponIssueJob | None = None) -> int:
    """Write the audience snapshot's rows that are not there yet; returns how many were written."""
    shop = campaign.shop
    customers = audience_queryset(shop=shop, audience=campaign.audience).order_by("pk").values_list("pk", flat=True)
    total, processed, written, last_id = customers.count(), 0, 0, 0
    while ids := list(customers.filter(pk__gt=last_id)[:ISSUE_BATCH]):
        count, rows = _insert_batch(campaign, ids)
        written += count
        if campaign.message_channel:
            _coupon_messages_enqueue(campaign, [row for row in rows if not row[3]])
        processed, last_id = processed + len(ids), ids[-1]
        if job is not None:
            progress = {"processed": processed, "total": total}
            job_progress_report(CouponIssueJob, shop_id=campaign.shop_id, job_id=job.pk, progress=progress)
    return written


def _insert_batch(campaign: Campaign, customer_ids: list[int]) -> tuple[int, list[tuple]]:
    """One INSERT ... SELECT for a batch of the audience: how many rows it wrote and, for a
    campaign that sends a message, those rows' (coupon id, customer id, code, is_holdout).
    Counted from RETURNING, not the row count, which Citus reports as the rows offered."""
    expires_at = campaign.audience_frozen_at + timedelta(days=campaign.valid_days) if campaign.valid_days else None
    code = CODE_SQL if campaign.has_unique_codes else "NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH written AS (
                INSERT INTO campaigns_coupon (shop_id, campaign_id, customer_id, code, is_holdout, source, reason,
                                              used_count, issued_at, expires_at)
                SELECT %(shop)s, %(campaign)s, member.id, CASE WHEN member.is_holdout THEN NULL ELSE {code} END,
                       member.is_holdout, %(source)s, '', 0, %(now)s, %(expires)s
                FROM (SELECT id, ((hashtextextended(%(campaign)s::text || ':' || id::text, 0) %% {HOLDOUT_BUCKETS})
                                  + {HOLDOUT_BUCKETS}) %% {HOLDOUT_BUCKETS} < %(holdout)s AS is_holdout
                      FROM unnest(%(ids)s::bigint[]) AS id) AS member
                ON CONFLICT (shop_id, campaign_id, customer_id) WHERE amount IS NULL DO NOTHING
                RETURNING id, customer_id, code, is_holdout
            )
            SELECT {"id, customer_id, code, is_holdout" if campaign.message_channel else "count(*)"} FROM written
            """,
            {
                "shop": campaign.shop_id,
                "campaign": campaign.pk,
                "source": CouponSource.AUDIENCE,
                "now": campaign.audience_frozen_at,
                "expires": expires_at,
                "holdout": campaign.holdout_percent * HOLDOUT_BUCKETS // 100,
                "ids": customer_ids,
            },
        )
        rows = cursor.fetchall()
        return (len(rows), rows) if campaign.message_channel else (rows[0][0], [])


def discount_label(campaign: Campaign) -> str:
    """The {amount} of a campaign's message: the amount off, or the percentage."""
    if campaign.discount_type == DiscountType.PERCENT:
        return f"{campaign.discount_percent}%"
    return str(campaign.discount_amount or "")


def _coupon_messages_enqueue(campaign: Campaign, issued: list[tuple]) -> None:
    occasion, amount = f"campaign:{campaign.pk}", discount_label(campaign)
    message_enqueue_many(
        shop=campaign.shop, rule="campaigns.coupon", channel=campaign.message_channel, purpose=Purpose.MARKETING,
        subject=campaign.message_subject, body=campaign.message_body,
        segment_driven=audience_is_segment_driven(campaign.audience),
        items=[{"customer_id": customer_id, "occasion": occasion,
                "variables": {"coupon_code": code or campaign.shared_code, "amount": amount}}
               for _coupon, customer_id, code, _is_holdout in issued],
    )  # fmt: skip


class CouponIssueRefused(ValueError):
    """The campaign cannot hand out coupons now (not running)."""


@transaction.atomic
def coupon_issue_to_customer(*, shop: Shop, campaign: Campaign, customer: Customer, reason: str) -> Coupon:
    """Give `customer` a coupon of the running `campaign` (a unique code unless the campaign
    has a shared one); idempotent per campaign and customer: a second call returns the
    coupon the first gave (or the customer's audience row)."""
    assert campaign.shop_id == customer.shop_id == shop.pk, "campaign and customer of one shop"
    if campaign.status != CampaignStatus.RUNNING:
        raise CouponIssueRefused(_("The campaign is not running."))
    now = timezone.now()
    Coupon.objects.bulk_create(
        [
            Coupon(
                shop_id=shop.pk,
                campaign=campaign,
                customer=customer,
                code=coupon_code_new() if campaign.has_unique_codes else None,
                source=CouponSource.DIRECT,
                reason=reason[:200],
                issued_at=now,
                expires_at=now + timedelta(days=campaign.valid_days) if campaign.valid_days else None,
            )
        ],
        ignore_conflicts=True,
    )
    return Coupon.objects.get(campaign=campaign, customer=customer, amount__isnull=True)


def coupons_merge(*, shop: Shop, survivor: Customer, duplicate: Customer) -> int:
    """Customer merge: the duplicate's coupons move to the survivor; where both hold a
    coupon of one campaign, the survivor's keeps the uses and redemptions of both."""
    moved = 0
    for coupon in Coupon.objects.filter(customer=duplicate, amount__isnull=True).select_for_update():
        kept = Coupon.objects.filter(campaign_id=coupon.campaign_id, customer=survivor, amount__isnull=True).first()
        if kept is None:
            continue
        Redemption.objects.filter(coupon=coupon).update(coupon=kept, customer=survivor)
        Coupon.objects.filter(pk=kept.pk).update(used_count=F("used_count") + coupon.used_count)
        coupon.delete()
        moved += 1
    return moved + Coupon.objects.filter(customer=duplicate).update(customer=survivor)


def coupons_for_customer_export(*, shop: Shop, customer: Customer) -> list[dict]:
    """The customer's coupons in a privacy export (their audience rows, held out or not, included)."""
    return [
        {"campaign": campaign, "code": code, "is_holdout": is_holdout, "issued_at": issued_at.isoformat(),
         "used_count": used_count}
        for campaign, code, is_holdout, issued_at, used_count in Coupon.objects.filter(customer=customer)
        .order_by("pk").values_list("campaign__name", "code", "is_holdout", "issued_at", "used_count")
    ]  # fmt: skip
