"""Every tenant admin is read-only or writes through the services, so their rules (the
last owner, key revocation) and the audit log apply to admin edits too."""

from types import SimpleNamespace

from django.contrib import admin

from crm.models import Role
from crm.tenancy.models import ShopOwnedModel


def _owner_request(shop):
    # The most powerful admin user: an owner of the admin shop.
    user = SimpleNamespace(pk=1, has_perm=lambda *args: True)
    return SimpleNamespace(admin_shop=shop, admin_role=Role.OWNER, user=user)


def _overrides(model_admin, method: str) -> bool:
    return getattr(type(model_admin), method) is not getattr(admin.ModelAdmin, method)


def test_each_tenant_admin_is_read_only_or_writes_through_a_service(in_shop):
    request, direct_writes = _owner_request(in_shop), []
    for model, model_admin in admin.site._registry.items():
        if not issubclass(model, ShopOwnedModel):
            continue
        writes = model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        if writes and not _overrides(model_admin, "save_model"):
            direct_writes.append(f"{model.__name__}.save_model")
        if model_admin.has_delete_permission(request) and not _overrides(model_admin, "delete_model"):
            direct_writes.append(f"{model.__name__}.delete_model")
        for inline in model_admin.get_inline_instances(request):
            if inline.has_add_permission(request, None) or inline.has_change_permission(request) or inline.can_delete:
                direct_writes.append(f"{model.__name__} inline {type(inline).__name__}")
    assert direct_writes == [], direct_writes
