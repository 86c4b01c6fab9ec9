"""Writes behind the shop settings page that crm/services.py does not cover. Each runs in
the shop's scope and audits in the same transaction."""

import secrets

from django.db import transaction

from crm.audit import audit_event_record
from crm.models import Membership, Shop
from crm.services import membership_set, user_get_or_create

SHOP_SETTINGS_FIELDS = ("name", "timezone", "currency", "phone_region", "language")


@transaction.atomic
def shop_settings_update(*, shop: Shop, **fields) -> Shop:
    """Change the shop's editable settings; audits the fields that changed (old and new
    values: none of them is personal data)."""
    unknown = set(fields) - set(SHOP_SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"not a shop setting: {', '.join(sorted(unknown))}")
    changes = {name: [getattr(shop, name), value] for name, value in fields.items() if getattr(shop, name) != value}
    if not changes:
        return shop
    for name, (_old, new) in changes.items():
        setattr(shop, name, new)
    shop.save(update_fields=list(changes))
    audit_event_record(action="shop.settings_update", obj=shop, changes=changes)
    return shop


@transaction.atomic
def staff_member_add(*, shop: Shop, email: str, role: str) -> tuple[Membership, str | None]:
    """Give `email` the `role` in the shop. A new account gets a random one-time password,
    returned here to be shown once to the owner, who hands it over; the staff member
    changes it after signing in. An existing account keeps its password (None)."""
    one_time_password = secrets.token_urlsafe(12)
    user, created = user_get_or_create(email=email, password=one_time_password)
    if created:
        audit_event_record(action="user.create", obj=user, changes={"user_id": user.pk})
    membership = membership_set(shop=shop, user=user, role=role)
    return membership, one_time_password if created else None
