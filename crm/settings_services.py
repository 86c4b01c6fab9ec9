"""Writes behind the shop settings page that crm/services.py does not cover. Each runs in
the shop's scope and audits in the same transaction."""

from django.db import transaction

from crm.audit import audit_event_record
from crm.models import Shop

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
