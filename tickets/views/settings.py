"""The service settings page: the ticket settings, categories and macros (managers)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from crm.models import Role
from crm.tenancy.access import get_for_shop
from crm.tenancy.pages import ShopPageView
from tickets.forms import CategoryForm, MacroForm, SettingsForm
from tickets.models import Macro, TicketCategory
from tickets.services import SettingsInvalid, category_save, macro_save, ticket_settings_get, ticket_settings_update
from tickets.services.settings import SETTINGS_FIELDS


class ServiceSettingsView(ShopPageView, TemplateView):
    required_role = Role.MANAGER
    template_name = "tickets/settings.html"

    def get_context_data(self, **kwargs):
        current = ticket_settings_get(shop=self.shop)
        categories = list(TicketCategory.objects.order_by("position", "pk"))
        macros = list(Macro.objects.select_related("set_category").order_by("name"))
        return super().get_context_data(
            settings_form=kwargs.pop("settings_form", None)
            or SettingsForm(initial={name: getattr(current, name) for name in SETTINGS_FIELDS}),
            categories=categories,
            category_form=kwargs.pop("category_form", None) or CategoryForm(),
            macros=macros,
            macro_form=kwargs.pop("macro_form", None) or MacroForm(categories=categories),
            **kwargs,
        )

    def post(self, request, **kwargs):
        part = request.POST.get("part")
        handler = {"settings": self._settings, "category": self._category, "macro": self._macro}.get(part)
        failed = handler(request) if handler else None
        if failed:
            return self.render_to_response(self.get_context_data(**failed), status=400)
        return redirect(reverse("tickets:settings", kwargs={"shop_slug": self.shop.slug}))

    def _settings(self, request):
        form = SettingsForm(request.POST)
        if not form.is_valid():
            return {"settings_form": form}
        ticket_settings_update(shop=self.shop, values=form.cleaned_data)
        messages.success(request, _("Settings saved."))
        return None

    def _category(self, request):
        category = get_for_shop(TicketCategory, pk=request.POST["category_id"]) if request.POST.get(
            "category_id", "").isdigit() else None  # fmt: skip
        form = CategoryForm(request.POST)
        if not form.is_valid():
            return {"category_form": form}
        try:
            category_save(shop=self.shop, name=form.cleaned_data["name"], category=category,
                          is_active=form.cleaned_data["is_active"])  # fmt: skip
        except SettingsInvalid as invalid:
            form.add_error("name", invalid.errors["name"][0])
            return {"category_form": form}
        messages.success(request, _("Category saved."))
        return None

    def _macro(self, request):
        categories = list(TicketCategory.objects.order_by("position", "pk"))
        form = MacroForm(request.POST, categories=categories)
        if not form.is_valid():
            return {"macro_form": form}
        data = dict(form.cleaned_data)
        data["set_category"] = next((c for c in categories if str(c.pk) == data["set_category"]), None)
        macro = get_for_shop(Macro, pk=request.POST["macro_id"]) if request.POST.get("macro_id", "").isdigit() else None
        try:
            macro_save(shop=self.shop, data=data, macro=macro)
        except SettingsInvalid as invalid:
            form.add_service_errors(invalid.errors)
            return {"macro_form": form}
        messages.success(request, _("Macro saved."))
        return None
