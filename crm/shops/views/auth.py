"""Signing in and out, and where a signed-in user lands."""

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views import View
from django.views.decorators.http import require_POST

from crm.shops.forms import LoginForm, PasswordChangeForm
from crm.tenancy.access import memberships_of_user


class HomeView(View):
    """`/` opens the user's first shop; the URL, never a stored preference, names the shop."""

    def get(self, request):
        if not request.user.is_authenticated:
            return redirect("login")
        memberships = memberships_of_user(request.user)
        if not memberships:
            return render(request, "crm/no_shop.html")
        return redirect("shop-home", shop_slug=memberships[0].shop.slug)


class ShopLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    next_page = "home"


@require_POST
def logout_view(request):
    # POST only: a GET logout could be triggered by any page linking an <img> to it.
    logout(request)
    return redirect("login")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")
    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
