"""A shop's messaging settings (SMS signature, quiet window, caps, storefront links)."""

from crm.models import Shop
from crm.shops.audit import audit_event_record
from messaging.models import MessagingSettings
from messaging.selectors import messaging_settings_get

SETTING_FIELDS = ("sms_signature", "send_window_start", "send_window_end", "email_cap_hours", "sms_cap_hours",
                  "order_url_template", "coupon_url_template")  # fmt: skip


def messaging_settings_save(*, shop: Shop, **values) -> MessagingSettings:
    """Values already validated (messaging/forms.py); the change is audited."""
    current = messaging_settings_get(shop=shop)
    changes = {name: [str(getattr(current, name)), str(values[name])]
               for name in SETTING_FIELDS if name in values and getattr(current, name) != values[name]}  # fmt: skip
    for name, value in values.items():
        assert name in SETTING_FIELDS, name
        setattr(current, name, value)
    current.save()
    if changes:
        audit_event_record(action="messaging.settings", obj=current, changes=changes)
    return current
