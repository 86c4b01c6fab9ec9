from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from crm.models import ApiKey, AuditEvent, Membership, Role, Shop, User
from crm.shops.admin_base import ReadOnlyShopOwnedAdmin, ShopOwnedAdmin, manages_admin_shop, owns_admin_shop
from crm.shops.services import api_key_revoke, membership_is_last_owner, membership_remove, membership_set


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "timezone", "currency", "created_at")
    search_fields = ("name", "slug")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(pk=request.admin_shop.pk)

    def has_module_permission(self, request) -> bool:
        return manages_admin_shop(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return manages_admin_shop(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Platform accounts: superusers only (owners manage their staff on the settings page)."""

    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_superuser", "last_login")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    list_filter = ("is_active", "is_superuser")
    filter_horizontal = ()

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("role",)

    def clean_role(self) -> str:
        role = self.cleaned_data["role"]
        if role != Role.OWNER and membership_is_last_owner(self.instance):
            raise forms.ValidationError(_("A shop must keep at least one owner. Make someone else an owner first."))
        return role


@admin.register(Membership)
class MembershipAdmin(ShopOwnedAdmin):
    """Owners change roles and remove staff, through the services (the last-owner rule,
    the audit log); managers only look. People join by invitation (settings page)."""

    form = MembershipAdminForm
    list_display = ("user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__full_name")
    readonly_fields = ("user", "created_at")
    fields = ("user", "role", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return owns_admin_shop(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return owns_admin_shop(request) and not (obj is not None and membership_is_last_owner(obj))

    def save_model(self, request, obj, form, change):
        membership_set(shop=request.admin_shop, user=obj.user, role=form.cleaned_data["role"])

    def delete_model(self, request, obj):
        membership_remove(membership=obj)


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyShopOwnedAdmin):
    """Keys are created on the settings page (shown once) and revoked, never deleted: the
    audit log keeps pointing at them. Owners revoke here, through the service."""

    list_display = ("name", "scope", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("scope", "revoked_at")
    search_fields = ("name", "prefix")
    exclude = ("key_hash",)
    actions = ("revoke",)

    @admin.action(description=_("Revoke the selected API keys"), permissions=["revoke"])
    def revoke(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)

    def has_revoke_permission(self, request) -> bool:
        return owns_admin_shop(request)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("created_at", "action", "object_type", "object_id", "actor_user", "actor_api_key")
    list_filter = ("action", "actor_user", "actor_api_key")
    search_fields = ("action", "object_id", "request_id")
    date_hierarchy = "created_at"
