"""Base class for every tenant model's admin. Scoping itself comes from the admin site
(crm/admin_site.py): querysets, dropdowns and filters use the fail-closed managers inside
the admin shop's scope. This class grants managers of that shop access and stamps new
rows with the shop."""

from django.contrib import admin

from crm.models import User


def manages_admin_shop(request) -> bool:
    # The site only sets `admin_shop` to a shop the user manages (or any, for superusers).
    return getattr(request, "admin_shop", None) is not None


class ShopOwnedAdmin(admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        return manages_admin_shop(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return manages_admin_shop(request)

    def has_add_permission(self, request) -> bool:
        return manages_admin_shop(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return manages_admin_shop(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return manages_admin_shop(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Staff of other shops must not appear in a dropdown (their emails are personal data).
        if db_field.related_model is User:
            kwargs["queryset"] = User.objects.filter(memberships__shop_id=request.admin_shop.pk).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.shop_id = request.admin_shop.pk
        super().save_model(request, obj, form, change)


class ReadOnlyShopOwnedAdmin(ShopOwnedAdmin):
    """For append-only records (audit events, idempotency records)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
