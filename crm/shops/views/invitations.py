"""The page an invitation link opens: accept while signed in with the invited email, or
create the account for it; other cases say what to do."""

from django import forms
from django.contrib.auth import login, password_validation
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from crm.models import User
from crm.shops.invitations import InvitationInvalid, invitation_accept, invitation_from_token
from crm.shops.services import user_get_or_create

TEMPLATE = "crm/invitation.html"


class NewAccountForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(label=_("Choose a password"), widget=forms.PasswordInput(), strip=False)

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        password_validation.validate_password(password, User(email=self.email))
        return password


class InvitationAcceptView(View):
    def dispatch(self, request, token: str):
        try:
            self.invitation = invitation_from_token(token)
        except InvitationInvalid:
            return render(request, TEMPLATE, {"state": "invalid"}, status=404)
        user = request.user
        if user.is_authenticated and user.email != self.invitation.email:
            return self.page("other_account", status=403)
        if not user.is_authenticated and User.objects.filter(email=self.invitation.email).exists():
            return redirect(f"{reverse('login')}?next={request.path}")
        return super().dispatch(request)

    def page(self, state: str, status: int = 200, form=None):
        context = {"state": state, "invitation": self.invitation, "form": form}
        return render(self.request, TEMPLATE, context, status=status)

    def get(self, request):
        if request.user.is_authenticated:
            return self.page("accept")
        return self.page("new_account", form=NewAccountForm(email=self.invitation.email))

    def post(self, request):
        user = request.user
        if not user.is_authenticated:
            form = NewAccountForm(request.POST, email=self.invitation.email)
            if not form.is_valid():
                return self.page("new_account", status=400, form=form)
            user, _created = user_get_or_create(
                email=self.invitation.email,
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
            )
        try:
            invitation_accept(invitation=self.invitation, user=user)
        except InvitationInvalid:
            return render(request, TEMPLATE, {"state": "invalid"}, status=404)
        if not request.user.is_authenticated:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("shop-home", shop_slug=self.invitation.shop.slug)
