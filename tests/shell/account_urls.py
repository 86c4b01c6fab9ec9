"""The project's URLs plus the account pages, for tests/shell/test_shell_account.py until
crm/urls.py mounts `crm.views.account_urlpatterns` at /account/ itself."""

from django.urls import include, path

from crm.urls import handler404, handler500  # noqa: F401
from crm.urls import urlpatterns as project_urlpatterns
from crm.views import account_urlpatterns

urlpatterns = [*project_urlpatterns, path("account/", include(account_urlpatterns))]
