"""Base class for every tenant model's admin. Scoping itself comes from the admin site
(crm/shops/admin_site.py): querysets, dropdowns and filters use the fail-closed managers inside
the admin shop's scope. This class grants managers of that shop access.

Writes: an admin that lets anyone add, change or delete overrides `save_model` and
`delete_model` with a call to the service, so the service's rules and audit apply
(tests/architecture checks it); the bulk "delete selected" action goes through
`delete_model` row by row."""

from django.contrib import admin

from crm.models import Role, User, role_at_least


def manages_admin_shop(request) -> bool:
    # The site only sets `admin_shop` to a shop the user manages (or any, for superusers).
    return getattr(request, "admin_shop", None) is not None


def owns_admin_shop(request) -> bool:
    return manages_admin_shop(request) and role_at_least(request.admin_role, Role.OWNER)


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

    def get_list_filter(self, request):
        # Django lists every row of the related table in a relation's filter (staff users of
        # every shop); offer only the values this shop's rows use.
        return [self._related_only(name) for name in super().get_list_filter(request)]

    def _related_only(self, list_filter):
        if isinstance(list_filter, str) and self.model._meta.get_field(list_filter).is_relation:
            return (list_filter, admin.RelatedOnlyFieldListFilter)
        return list_filter

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyShopOwnedAdmin(ShopOwnedAdmin):
    """For append-only records (audit events, idempotency records)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
