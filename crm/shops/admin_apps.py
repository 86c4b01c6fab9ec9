from django.contrib.admin.apps import AdminConfig


class ShopAdminConfig(AdminConfig):
    default_site = "crm.shops.admin_site.ShopAdminSite"
