"""Staff shell pages: sign-in, the shop overview and the shop settings. crm/urls.py mounts
`shop_page_urlpatterns` under /s/<shop_slug>/ and `account_urlpatterns` under /account/."""

from django.urls import path

from crm.shops.views.auth import HomeView, PasswordChangeDoneView, PasswordChangeView, ShopLoginView, logout_view
from crm.shops.views.errors import bad_request, not_found, server_error
from crm.shops.views.invitations import InvitationAcceptView
from crm.shops.views.shop import ShopHomeView
from crm.shops.views.shop_settings import (
    ApiKeyCreateView,
    ApiKeyRevokeView,
    SettingsView,
    StaffAddView,
    StaffRemoveView,
    StaffRoleView,
)

__all__ = [
    "HomeView",
    "InvitationAcceptView",
    "ShopLoginView",
    "logout_view",
    "bad_request",
    "not_found",
    "server_error",
    "shop_page_urlpatterns",
    "account_urlpatterns",
]

shop_page_urlpatterns = [
    path("", ShopHomeView.as_view(), name="shop-home"),
    path("settings/", SettingsView.as_view(), name="shop-settings"),
    path("settings/staff/", StaffAddView.as_view(), name="shop-staff-add"),
    path("settings/staff/<int:membership_id>/role/", StaffRoleView.as_view(), name="shop-staff-role"),
    path("settings/staff/<int:membership_id>/remove/", StaffRemoveView.as_view(), name="shop-staff-remove"),
    path("settings/api-keys/", ApiKeyCreateView.as_view(), name="shop-api-key-create"),
    path("settings/api-keys/<int:api_key_id>/revoke/", ApiKeyRevokeView.as_view(), name="shop-api-key-revoke"),
]

account_urlpatterns = [
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", PasswordChangeDoneView.as_view(), name="password_change_done"),
]
