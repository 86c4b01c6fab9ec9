"""Insights pages: the dashboard, starting a run (managers) with its live progress, and the
segment map editor (managers). Thin: selectors and services do the work."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from crm.models import Role
from crm.tenancy.pages import ShopPageView
from insights.dashboard import dashboard_context
from insights.forms import SegmentRuleFormSet, rules_as_initial
from insights.labels import fit_note
from insights.selectors import run_progress, scoring_run_get
from insights.services import RunAlreadyActive, scoring_run_request, segment_map_get, segment_map_update

STATUS_TEMPLATE = "insights/_run_status.html"


class DashboardView(ShopPageView, TemplateView):
    template_name = "insights/dashboard.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**dashboard_context(shop=self.shop, membership=self.membership), **kwargs)


class RunDetailView(ShopPageView, TemplateView):
    """One run's model fits and timings: the details the dashboard leaves out."""

    template_name = "insights/run_detail.html"

    def get_context_data(self, **kwargs):
        run = scoring_run_get(shop=self.shop, run_id=self.kwargs["run_id"])
        notes = {"bgnbd": fit_note(run.bgnbd_reason), "gamma_gamma": fit_note(run.gamma_gamma_reason)}
        return super().get_context_data(run=run, fit_notes=notes, **kwargs)


class RunStartView(ShopPageView):
    required_role = Role.MANAGER

    def post(self, request):
        try:
            run = scoring_run_request(shop=self.shop, requested_by=request.user)
        except RunAlreadyActive as error:
            run = error.run
            messages.warning(request, str(error))
        else:
            messages.success(request, _("Scoring started. This page shows its progress."))
        if request.headers.get("HX-Request"):
            return _status_response(request, run, was_active=True)
        return redirect("insights:dashboard", shop_slug=self.shop.slug)


def _status_response(request, run, *, was_active: bool) -> TemplateResponse:
    progress = run_progress(run=run)
    response = TemplateResponse(request, STATUS_TEMPLATE, {"active_run": run, "progress": progress})
    if was_active and not run.is_active:
        response.headers["HX-Refresh"] = "true"  # the run finished: reload to show its results
    return response


class RunStatusView(ShopPageView):
    """The progress fragment htmx polls while a run is queued or running."""

    def get(self, request, run_id: int):
        return _status_response(request, scoring_run_get(shop=self.shop, run_id=run_id), was_active=True)


class SegmentMapView(ShopPageView):
    required_role = Role.MANAGER
    template_name = "insights/segment_map.html"

    def get(self, request):
        rules, is_custom = segment_map_get(shop=self.shop)
        formset = SegmentRuleFormSet(initial=rules_as_initial(rules))
        return self._render(request, formset, is_custom)

    def post(self, request):
        if "reset" in request.POST:
            segment_map_update(shop=self.shop, rules=None, updated_by=request.user)
            messages.success(request, _("The default segment map applies again from the next run."))
            return redirect("insights:segment-map", shop_slug=self.shop.slug)
        formset = SegmentRuleFormSet(request.POST)
        if formset.is_valid():
            # Untouched blank rows have no cleaned data; rows ticked for deletion are dropped.
            deleted = set(map(id, formset.deleted_forms))
            rules = [form.as_rule() for form in formset.forms if form.cleaned_data and id(form) not in deleted]
            try:
                segment_map_update(shop=self.shop, rules=rules, updated_by=request.user)
            except ValueError as error:
                return self._render(request, formset, True, map_error=str(error), status=400)
            messages.success(request, _("Segment map saved. It applies from the next run."))
            return redirect("insights:segment-map", shop_slug=self.shop.slug)
        return self._render(request, formset, True, status=400)

    def _render(self, request, formset, is_custom: bool, map_error: str = "", status: int = 200):
        context = {"formset": formset, "is_custom": is_custom, "map_error": map_error}
        return TemplateResponse(request, self.template_name, context, status=status)
