from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from crm.admin_base import ReadOnlyShopOwnedAdmin, ShopOwnedAdmin, manages_admin_shop
from crm.models import ApiKey, AuditEvent, Membership, Shop, User


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


@admin.register(Membership)
class MembershipAdmin(ShopOwnedAdmin):
    list_display = ("user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__full_name")


@admin.register(ApiKey)
class ApiKeyAdmin(ShopOwnedAdmin):
    list_display = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix")
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)

    def has_add_permission(self, request) -> bool:
        return False  # keys are shown once, so they are created on the settings page


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("created_at", "action", "object_type", "object_id", "actor_user", "actor_api_key")
    list_filter = ("action", "actor_user", "actor_api_key")
    search_fields = ("action", "object_id", "request_id")
    date_hierarchy = "created_at"
