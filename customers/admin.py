"""Managers' admin for customers. Scoping comes from the admin site (one shop per
request, fail-closed managers, RLS); edits go through the services, never around them."""

from django import forms
from django.contrib import admin
from django.db import transaction

from crm.shops.admin_base import ReadOnlyShopOwnedAdmin, ShopOwnedAdmin
from customers.models import (
    ConsentEvent,
    Customer,
    CustomerAttributeDefinition,
    CustomerChannelId,
    CustomerImportJob,
    CustomerMerge,
    CustomerNote,
    CustomerTag,
    Tag,
)
from customers.services import (
    ProfileInvalid,
    attribute_definition_delete,
    attribute_definition_save,
    customer_update,
    tag_delete,
    tag_save,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ChannelIdInline(ReadOnlyInline):
    model = CustomerChannelId
    fields = ("channel", "external_id", "created_at")
    readonly_fields = fields


class CustomerTagInline(ReadOnlyInline):
    model = CustomerTag
    fields = ("tag", "source", "set_by_user", "created_at")
    readonly_fields = fields


class NoteInline(ReadOnlyInline):
    model = CustomerNote
    fields = ("created_at", "author", "body")
    readonly_fields = fields


class _DryRun(Exception):
    pass


class CustomerAdminForm(forms.ModelForm):
    """Runs the profile service on the changes in a rolled-back savepoint, so a refused
    phone or email shows on its field and the page says nothing was saved."""

    shop = None  # set by CustomerAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        data = {name: cleaned[name] for name in self.changed_data if name in cleaned}
        try:
            with transaction.atomic():
                customer_update(shop=self.shop, customer=Customer.objects.get(pk=self.instance.pk), data=data)
                raise _DryRun
        except _DryRun:
            pass
        except ProfileInvalid as invalid:
            for field, reasons in invalid.errors.items():
                self.add_error(field if field in self.fields else None, reasons)
        return cleaned


@admin.register(Customer)
class CustomerAdmin(ShopOwnedAdmin):
    form = CustomerAdminForm
    list_display = ("name", "phone", "email", "city", "orders_count", "total_spent", "last_order_at", "created_at")
    list_filter = ("source_channel", "gender", "is_automated_targeting_refused", "province")
    search_fields = ("name", "phone", "email")
    fields = (
        "name", "phone", "email", "gender", "birthday", "province", "city", "district", "source_channel",
        "is_automated_targeting_refused", "orders_count", "total_spent", "refunds_count", "refunded_amount",
        "first_order_at", "last_order_at", "merged_into", "erased_at", "created_at",
    )  # fmt: skip
    readonly_fields = (
        "orders_count", "total_spent", "refunds_count", "refunded_amount", "first_order_at", "last_order_at",
        "merged_into", "erased_at", "created_at",
    )  # fmt: skip
    inlines = (ChannelIdInline, CustomerTagInline, NoteInline)
    show_full_result_count = False  # no COUNT(*) over a million customers
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        return False  # customers come in through identity resolution (API, import, orders)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # erasure, not deletion: orders keep their customer

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"shop": request.admin_shop})

    def save_model(self, request, obj, form, change):
        # The form's clean() already ran the same update and found it valid.
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        customer_update(shop=request.admin_shop, customer=Customer.objects.get(pk=obj.pk), data=data)


@admin.register(Tag)
class TagAdmin(ShopOwnedAdmin):
    list_display = ("name", "color", "created_at")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        existing = Tag.objects.get(pk=obj.pk) if change else None
        saved = tag_save(shop=request.admin_shop, name=obj.name, color=obj.color, tag=existing)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        tag_delete(shop=request.admin_shop, tag=obj)


@admin.register(CustomerAttributeDefinition)
class CustomerAttributeDefinitionAdmin(ShopOwnedAdmin):
    list_display = ("key", "label", "type")
    search_fields = ("key", "label")

    def save_model(self, request, obj, form, change):
        attribute_definition_save(shop=request.admin_shop, definition=obj)

    def delete_model(self, request, obj):
        attribute_definition_delete(definition=obj)


@admin.register(CustomerNote)
class CustomerNoteAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("customer", "author", "created_at")
    list_select_related = ("customer", "author")
    search_fields = ("body",)


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("customer", "channel", "purpose", "is_granted", "source", "created_at")
    list_filter = ("channel", "purpose", "is_granted")
    list_select_related = ("customer",)


@admin.register(CustomerMerge)
class CustomerMergeAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("survivor", "duplicate", "actor_user", "created_at")
    list_select_related = ("survivor", "duplicate", "actor_user")
    exclude = ("duplicate_identifiers",)


@admin.register(CustomerImportJob)
class CustomerImportJobAdmin(ReadOnlyShopOwnedAdmin):
    list_display = ("file_name", "status", "total_rows", "created", "matched", "rejected", "created_at")
    list_filter = ("status",)
    exclude = ("file_path",)
