from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import campaigns.urls
import customers.urls
import insights.urls
import loyalty.urls
import messaging.urls
import orders.urls
import tickets.urls
from crm.platform import health
from crm.shops import api as crm_api
from crm.shops import views

APPS = (customers.urls, orders.urls, insights.urls, loyalty.urls, messaging.urls, campaigns.urls, tickets.urls)

shop_api_urlpatterns = crm_api.urlpatterns + [pattern for app in APPS for pattern in app.api_urlpatterns]
shop_page_urlpatterns = views.shop_page_urlpatterns + [
    path(f"{app.__name__.split('.')[0]}/", include((app.page_urlpatterns, app.__name__.split(".")[0]))) for app in APPS
]

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", views.ShopLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("account/", include(views.account_urlpatterns)),
    path("invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # Links inside customer messages (short links, unsubscribe): no login, the link names its shop.
    path("", include((messaging.urls.public_urlpatterns, "messaging-public"))),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("s/<slug:shop_slug>/", include(shop_page_urlpatterns)),
    # Storefronts (API key) use /api/v1/...; staff sessions name the shop in the URL.
    path("api/v1/", include((shop_api_urlpatterns, "api"), namespace="api")),
    path("api/v1/s/<slug:shop_slug>/", include((shop_api_urlpatterns, "api"), namespace="staff-api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler400 = "crm.shops.views.bad_request"
handler404 = "crm.shops.views.not_found"
handler500 = "crm.shops.views.server_error"
