"""Writes for shops, their settings, staff memberships and API keys. Each runs in the shop's
scope and audits in the same transaction."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from crm.models import ApiKey, ApiKeyScope, IdempotencyRecord, Membership, Role, Shop, User
from crm.shops.audit import audit_event_record
from crm.tenancy.auth import api_key_generate, api_key_hash
from crm.tenancy.context import shop_scope


class LastOwnerError(ValueError):
    """A shop must always keep one owner."""


@transaction.atomic
def shop_create(*, slug: str, name: str, owner: User, **settings) -> Shop:
    shop = Shop.objects.create(slug=slug, name=name, **settings)
    with shop_scope(shop.pk):
        Membership.objects.create(shop=shop, user=owner, role=Role.OWNER)
        audit_event_record(action="shop.create", obj=shop, changes={"slug": slug})
    return shop


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


def user_get_or_create(*, email: str, password: str | None, full_name: str = "") -> tuple[User, bool]:
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    return User.objects.create_user(email, password, full_name=full_name), True


@transaction.atomic
def membership_set(*, shop: Shop, user: User, role: str) -> Membership:
    """Add `user` to the shop in scope or change their role."""
    membership = Membership.objects.filter(user=user).first()
    if membership is None:
        membership = Membership.objects.create(shop=shop, user=user, role=role)
        audit_event_record(action="membership.create", obj=membership, changes={"user_id": user.pk, "role": role})
        return membership
    if membership.role == role:
        return membership
    if membership.role == Role.OWNER:
        _ensure_other_owner(membership)
    audit_event_record(action="membership.role_change", obj=membership, changes={"role": [membership.role, role]})
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    if membership.role == Role.OWNER:
        _ensure_other_owner(membership)
    audit_event_record(action="membership.remove", obj=membership, changes={"user_id": membership.user_id})
    membership.delete()


def membership_is_last_owner(membership: Membership) -> bool:
    return (
        membership.role == Role.OWNER
        and not Membership.objects.filter(role=Role.OWNER).exclude(pk=membership.pk).exists()
    )


def _ensure_other_owner(membership: Membership) -> None:
    if membership_is_last_owner(membership):
        raise LastOwnerError("A shop must keep at least one owner.")


@transaction.atomic
def api_key_create(
    *, shop: Shop, name: str, scope: str = ApiKeyScope.STOREFRONT, created_by: User | None = None
) -> tuple[ApiKey, str]:
    """Returns the key and the raw secret, which is shown once and never stored."""
    raw_key, prefix = api_key_generate()
    api_key = ApiKey.objects.create(
        shop=shop, name=name, scope=scope, prefix=prefix, key_hash=api_key_hash(raw_key), created_by=created_by
    )
    changes = {"name": name, "prefix": prefix, "scope": scope}
    audit_event_record(action="api_key.create", obj=api_key, changes=changes)
    return api_key, raw_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_event_record(action="api_key.revoke", obj=api_key)
    return api_key


IDEMPOTENCY_RETENTION = timedelta(hours=24)


def idempotency_records_purge(*, shop: Shop) -> int:
    """Stored responses are replayed for 24 hours (as Stripe does), then deleted: they hold
    copies of request results, personal data included."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - IDEMPOTENCY_RETENTION).delete()
    return deleted
