"""The audit log: services call `audit_event_record` in the same transaction as the change."""

from django.db import models

from crm.models import AuditEvent
from crm.platform.request_context import actor_var, request_id_var
from crm.tenancy.context import require_shop_id


def audit_event_record(*, action: str, obj: models.Model | None = None, changes: dict | None = None) -> AuditEvent:
    """Record `action` on `obj` for the shop in scope, attributed to the current actor.
    `changes` names fields and their old/new values; callers leave personal data out."""
    actor = actor_var.get()
    return AuditEvent.objects.create(
        shop_id=require_shop_id(),
        actor_user_id=actor.user_id,
        actor_api_key_id=actor.api_key_id,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        changes=changes or {},
        request_id=request_id_var.get(),
    )
