"""Loyalty pages: the program (its report and tiers for every member of staff, its settings
for managers), the tier editor with its preview of moves and a staff adjustment of a
customer's points (managers). Thin: selectors and services do the work."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Role, role_at_least
from crm.tenancy.access import get_for_shop
from crm.tenancy.pages import ShopPageView
from customers.models import Customer
from loyalty.forms import AdjustForm, EffectiveFromForm, ProgramForm, TierFormSet, tiers_as_initial
from loyalty.selectors import (
    customer_loyalty,
    local_date,
    program_get,
    program_report,
    rule_versions,
    tier_rules_at,
    tier_rules_of,
)
from loyalty.services import (
    InsufficientPoints,
    LoyaltyInvalid,
    points_adjust,
    program_update,
    tier_rules_preview,
    tier_rules_schedule,
    tiers_clean,
)


class ProgramView(ShopPageView):
    template_name = "loyalty/program.html"

    def get(self, request):
        return self._render(request, ProgramForm(instance=program_get(shop=self.shop)))

    def post(self, request):
        if not self._can_manage():
            raise PermissionDenied
        form = ProgramForm(request.POST, instance=program_get(shop=self.shop))
        if not form.is_valid():
            return self._render(request, form, status=400)
        program_update(shop=self.shop, data={name: form.cleaned_data[name] for name in form.Meta.fields})
        messages.success(request, _("Program settings saved."))
        return redirect("loyalty:program", shop_slug=self.shop.slug)

    def _render(self, request, form, status: int = 200):
        today = local_date(self.shop, timezone.now())
        context = {
            "form": form if self._can_manage() else None,
            "report": program_report(shop=self.shop),
            "scheduled": [
                (version, tier_rules_of(version))
                for version in reversed(rule_versions(shop=self.shop))
                if version.effective_from > today
            ],
        }
        return TemplateResponse(request, self.template_name, context, status=status)

    def _can_manage(self) -> bool:
        return role_at_least(self.membership.role, Role.MANAGER)


class TiersView(ShopPageView):
    required_role = Role.MANAGER
    template_name = "loyalty/tiers.html"

    def get(self, request):
        today = local_date(self.shop, timezone.now())
        formset = TierFormSet(initial=tiers_as_initial(tier_rules_at(shop=self.shop, day=today)))
        return self._render(request, formset, EffectiveFromForm(initial={"effective_from": today}))

    def post(self, request):
        formset, date_form = TierFormSet(request.POST), EffectiveFromForm(request.POST)
        if not (formset.is_valid() and date_form.is_valid()):
            return self._render(request, formset, date_form, status=400)
        deleted = set(map(id, formset.deleted_forms))
        raw = [form.as_tier() for form in formset.forms if form.cleaned_data and id(form) not in deleted]
        try:
            tiers = tiers_clean(raw)
            if "preview" in request.POST:
                preview = tier_rules_preview(shop=self.shop, tiers=tiers)
                return self._render(request, formset, date_form, preview=preview)
            effective_from = date_form.cleaned_data["effective_from"]
            tier_rules_schedule(shop=self.shop, tiers=tiers, effective_from=effective_from, actor=request.user)
        except LoyaltyInvalid as error:
            problems = [message for messages_ in error.errors.values() for message in messages_]
            return self._render(request, formset, date_form, problems=problems, status=400)
        messages.success(request, _("Tiers saved; they apply from %(date)s.") % {"date": effective_from})
        return redirect("loyalty:program", shop_slug=self.shop.slug)

    def _render(self, request, formset, date_form, *, status: int = 200, **extra):
        context = {"formset": formset, "date_form": date_form, **extra}
        return TemplateResponse(request, self.template_name, context, status=status)


class AdjustView(ShopPageView):
    required_role = Role.MANAGER
    template_name = "loyalty/adjust.html"

    def get(self, request, customer_id: int):
        return self._render(request, get_for_shop(Customer, pk=customer_id), AdjustForm())

    def post(self, request, customer_id: int):
        customer, form = get_for_shop(Customer, pk=customer_id), AdjustForm(request.POST)
        if form.is_valid():
            try:
                points_adjust(shop=self.shop, customer=customer, actor=request.user, **form.cleaned_data)
            except LoyaltyInvalid as error:
                for field, reasons in error.errors.items():
                    form.add_error(field if field in form.fields else None, reasons)
            except InsufficientPoints as error:
                form.add_error("points", _("Only %(points)s points are available.") % {"points": error.available})
            else:
                messages.success(request, _("Points adjusted."))
                return redirect("customers:detail", shop_slug=self.shop.slug, customer_id=customer.pk)
        return self._render(request, customer, form, status=400)

    def _render(self, request, customer, form, status: int = 200):
        context = {"customer": customer, "form": form, "loyalty": customer_loyalty(self.shop, customer)}
        return TemplateResponse(request, self.template_name, context, status=status)
