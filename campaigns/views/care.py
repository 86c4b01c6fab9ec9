"""Care rule pages: every rule with its switch, one rule's editor with a preview of a real
customer's message, and one rule's log. Thin: services and selectors do the work."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from campaigns.services.care_preview import CarePreview, care_rule_preview
from campaigns.services.care_rules import (
    CareRuleInvalid,
    care_rule_get,
    care_rule_list,
    care_rule_update,
    purpose_of,
)
from campaigns.views.care_forms import KIND_HELP, CareRuleForm, PreviewForm
from crm.models import Role
from crm.tenancy.access import has_role
from crm.tenancy.pages import ShopPageView
from customers.filters import FilterInvalid
from customers.selectors.listing import customer_queryset
from insights.services import segment_map_get
from messaging.checks import reason_label
from messaging.compose import SMS_OPT_OUT
from messaging.filters import MessageFilters
from messaging.models import Purpose
from messaging.selectors import message_list, message_stats_by_rule, messaging_settings_get

LOG_LENGTH = 50


def sms_extra_length(shop, rule) -> int:
    """What messaging adds to the rule's SMS text: 【signature】, and for marketing the opt-out."""
    extra = len(messaging_settings_get(shop=shop).sms_signature or shop.name[:20]) + 2
    return extra + (len(SMS_OPT_OUT["zh-hans"]) + 1 if purpose_of(rule.kind) == Purpose.MARKETING else 0)


def _rule_or_404(shop, kind: str):
    rule = care_rule_get(shop=shop, kind=kind)
    if rule is None:
        raise Http404("no such care rule")
    return rule


class CareRuleListView(ShopPageView):
    template_name = "campaigns/care/rules.html"

    def get(self, request):
        can_manage = has_role(self.membership, Role.MANAGER)
        rules = [(rule, KIND_HELP[rule.kind]) for rule in care_rule_list(shop=self.shop)]
        context = {"rules": rules, "can_manage": can_manage}
        return TemplateResponse(request, self.template_name, context)


class CareRuleToggleView(ShopPageView):
    required_role = Role.MANAGER

    def post(self, request, kind: str):
        rule = _rule_or_404(self.shop, kind)
        try:
            rule = care_rule_update(
                shop=self.shop, kind=kind, changes={"is_enabled": not rule.is_enabled}, updated_by=request.user
            )
        except CareRuleInvalid as error:
            messages.error(request, "; ".join(message for problems in error.errors.values() for message in problems))
        else:
            template = _("%(rule)s is on.") if rule.is_enabled else _("%(rule)s is off.")
            messages.success(request, template % {"rule": rule.get_kind_display()})
        return redirect("campaigns:care-rules", shop_slug=self.shop.slug)


class CareRuleEditView(ShopPageView):
    required_role = Role.MANAGER
    template_name = "campaigns/care/rule_edit.html"

    def _form(self, rule, data=None) -> CareRuleForm:
        rules, _is_custom = segment_map_get(shop=self.shop)
        keys = [segment["key"] for segment in rules]
        return CareRuleForm(data, rule=rule, segment_keys=keys, sms_extra_length=sms_extra_length(self.shop, rule))

    def get(self, request, kind: str):
        rule = _rule_or_404(self.shop, kind)
        return self._render(request, rule, self._form(rule), preview_form=PreviewForm(request.GET or None))

    def post(self, request, kind: str):
        rule = _rule_or_404(self.shop, kind)
        form = self._form(rule, request.POST)
        if form.is_valid():
            try:
                care_rule_update(shop=self.shop, kind=kind, changes=form.changes(), updated_by=request.user)
            except CareRuleInvalid as error:
                form.add_service_errors(error.errors)
            else:
                messages.success(request, _("Care rule saved."))
                return redirect("campaigns:care-rules", shop_slug=self.shop.slug)
        return self._render(request, rule, form, status=400)

    def _render(self, request, rule, form, preview_form=None, status: int = 200) -> TemplateResponse:
        preview_form = preview_form or PreviewForm()
        context = {"rule": rule, "form": form, "help": KIND_HELP[rule.kind], "preview_form": preview_form,
                   "preview": self._preview(rule, preview_form)}  # fmt: skip
        return TemplateResponse(request, self.template_name, context, status=status)

    def _preview(self, rule, preview_form: "PreviewForm") -> CarePreview | None:
        """The saved rule's message for the first customer the search finds."""
        if not preview_form.is_bound or not preview_form.is_valid():
            return None
        try:
            customer = customer_queryset(shop=self.shop, params={"q": preview_form.cleaned_data["q"]}).first()
        except FilterInvalid as error:
            preview_form.add_error("q", str(error))
            return None
        if customer is None:
            preview_form.add_error("q", _("No customer matches."))
            return None
        channel = preview_form.cleaned_data["channel"]
        return care_rule_preview(shop=self.shop, rule=rule, customer=customer, channel=channel)


class CareRuleLogView(ShopPageView):
    """The rule's delivery statistics and latest messages; the message log has the rest."""

    template_name = "campaigns/care/rule_log.html"

    def get(self, request, kind: str):
        rule = _rule_or_404(self.shop, kind)
        filters = MessageFilters(rule=rule.rule_name)
        stats = next(iter(message_stats_by_rule(shop=self.shop, filters=filters)), None)
        latest = message_list(shop=self.shop, filters=filters).order_by("-created_at", "-pk")[:LOG_LENGTH]
        reasons = (stats or {}).get("skipped", {})
        skipped = [(reason_label(code), count) for code, count in reasons.items()]
        context = {"rule": rule, "help": KIND_HELP[rule.kind], "stats": stats, "skipped": skipped, "latest": latest,
                   "message_log_url": _message_log_url(self.shop, rule)}  # fmt: skip
        return TemplateResponse(request, self.template_name, context)


def _message_log_url(shop, rule) -> str | None:
    """Messaging's log page filtered by the rule, once that page exists."""
    try:
        return reverse("messaging:log", kwargs={"shop_slug": shop.slug}) + "?" + urlencode({"rule": rule.rule_name})
    except NoReverseMatch:
        return None
