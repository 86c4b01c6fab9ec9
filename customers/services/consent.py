"""Consent per channel and purpose, with its history, and the automated-targeting refusal."""

from django.utils import timezone

from crm.models import Shop
from crm.platform.request_context import actor_var
from crm.shops.audit import audit_event_record
from customers.models import ConsentChannel, ConsentEvent, ConsentPurpose, Customer, CustomerConsent


def customer_consent_set(
    *, shop: Shop, customer: Customer, channel: str, purpose: str, is_granted: bool, source: str
) -> CustomerConsent:
    """Record a consent decision; a repeat of the current state is not a change."""
    assert customer.shop_id == shop.pk
    assert channel in ConsentChannel.values and purpose in ConsentPurpose.values
    consent, created = CustomerConsent.objects.get_or_create(
        shop=shop, customer=customer, channel=channel, purpose=purpose, defaults={"is_granted": is_granted}
    )
    if not created and consent.is_granted == is_granted:
        return consent
    now = timezone.now()
    consent.is_granted, consent.source, consent.updated_at = is_granted, source, now
    consent.save(update_fields=["is_granted", "source", "updated_at"])
    ConsentEvent.objects.create(
        shop=shop,
        customer=customer,
        channel=channel,
        purpose=purpose,
        is_granted=is_granted,
        source=source,
        actor_user_id=actor_var.get().user_id,
        created_at=now,
    )
    audit_event_record(
        action="customer.consent",
        obj=customer,
        changes={"channel": channel, "purpose": purpose, "is_granted": is_granted, "source": source},
    )
    return consent


def customer_targeting_refusal_set(*, shop: Shop, customer: Customer, is_refused: bool, source: str) -> Customer:
    """PIPL art. 24: a customer may refuse automated (segment-driven) targeting."""
    assert customer.shop_id == shop.pk
    if customer.is_automated_targeting_refused == is_refused:
        return customer
    customer.is_automated_targeting_refused = is_refused
    customer.save(update_fields=["is_automated_targeting_refused", "updated_at"])
    audit_event_record(
        action="customer.targeting_refusal", obj=customer, changes={"is_refused": is_refused, "source": source}
    )
    return customer


def consent_is_granted(*, customer: Customer, channel: str, purpose: str) -> bool:
    """Checked at send time, so a withdrawal after scheduling still stops the message; no row
    means no consent."""
    return CustomerConsent.objects.filter(customer=customer, channel=channel, purpose=purpose, is_granted=True).exists()
