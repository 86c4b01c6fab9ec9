"""Staff shell pages. (Being completed: login lockout, settings, templates.)"""

from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path
from django.views import View
from django.views.defaults import page_not_found, server_error as html_server_error

from crm.tenancy.access import memberships_of_user
from crm.tenancy.errors import json_not_found, json_server_error


class HomeView(View):
    def get(self, request):
        if not request.user.is_authenticated:
            return redirect("login")
        memberships = memberships_of_user(request.user)
        if not memberships:
            return redirect("login")
        return HttpResponseRedirect(f"/s/{memberships[0].shop.slug}/")


class ShopLoginView(LoginView):
    template_name = "registration/login.html"


def logout_view(request):
    logout(request)
    return redirect("login")


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return json_server_error(request)
    return html_server_error(request)


shop_page_urlpatterns: list = []
