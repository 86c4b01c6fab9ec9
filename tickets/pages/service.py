"""The service hours and SLA settings page: managers edit the shop's business calendar and
its SLA targets; both go through the same services and parsers as the API."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Role
from crm.tenancy.pages import ShopPageView
from tickets.business_time import CalendarError
from tickets.pages.forms import ServiceCalendarForm, SlaPolicyForm
from tickets.services.sla import (
    SlaDocumentError,
    china_calendar_years,
    service_calendar_add_china_days,
    service_calendar_get,
    service_calendar_set,
    sla_policies_get,
    sla_policies_set,
)

TEMPLATE = "tickets/service/settings.html"


class ServiceSettingsView(ShopPageView):
    required_role = Role.MANAGER

    def get(self, request, calendar_form=None, sla_form=None):
        calendar_form = calendar_form or ServiceCalendarForm(
            initial=ServiceCalendarForm.initial_for(service_calendar_get(shop=self.shop))
        )
        sla_form = sla_form or SlaPolicyForm(initial=SlaPolicyForm.initial_for(sla_policies_get(shop=self.shop)))
        this_year = timezone.localdate().year
        context = {
            "calendar_form": calendar_form,
            "sla_form": sla_form,
            "timezone": self.shop.timezone,
            "china_years": [year for year in china_calendar_years() if year >= this_year - 1],
        }
        return render(request, TEMPLATE, context, status=400 if calendar_form.errors or sla_form.errors else 200)

    def post(self, request):
        if request.POST.get("section") == "china":
            return self._add_china_days(request)
        if request.POST.get("section") == "sla":
            form, save, anchor = SlaPolicyForm(request.POST), sla_policies_set, "sla"
        else:
            form, save, anchor = ServiceCalendarForm(request.POST), service_calendar_set, "calendar"
        if form.is_valid():
            try:
                save(shop=self.shop, document=form.document)
            except (CalendarError, SlaDocumentError) as error:
                form.add_document_error(error)
        if not form.is_valid():
            return self.get(request, **{f"{anchor}_form": form})
        messages.success(request, _("Service hours and SLA saved."))
        return redirect(reverse("tickets:service-hours", kwargs={"shop_slug": self.shop.slug}) + f"#{anchor}")

    def _add_china_days(self, request):
        year = request.POST.get("year", "")
        if not year.isdigit() or int(year) not in china_calendar_years():
            messages.error(request, _("No official holidays are known for that year."))
        else:
            try:
                service_calendar_add_china_days(shop=self.shop, year=int(year))
                messages.success(
                    request, _("China's holidays and make-up workdays of %(year)s added.") % {"year": year}
                )
            except CalendarError as error:
                messages.error(request, error.message)
        return redirect(reverse("tickets:service-hours", kwargs={"shop_slug": self.shop.slug}) + "#calendar")
