"""Coupon campaign pages: the list, the builder (live audience size and message preview),
a campaign's page (launch, issuing progress, results against the holdout). Thin: forms,
services and selectors do the work."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from campaigns.charts import uplift_chart
from campaigns.forms import CHURN_CARE_PRESET, CampaignForm, audience_form_errors
from campaigns.models import CampaignStatus
from campaigns.selectors.coupons import campaign_get, campaign_issue_progress, campaign_list, campaign_results
from campaigns.services.audience import AudienceInvalid, audience_clean, audience_is_segment_driven, audience_size
from campaigns.services.coupons import (
    CampaignStateError,
    campaign_create,
    campaign_end,
    campaign_launch,
    discount_label,
)
from campaigns.services.coupons_input import CampaignInvalid
from crm.models import Role
from crm.tenancy.access import has_role
from crm.tenancy.pages import ShopPageView
from customers.models import Tag
from insights.filters import customer_filter_controls
from insights.labels import NO_SEGMENT, SEGMENT_LABELS
from messaging.templating import message_template_check, template_render

SAMPLE_VALUES = {"customer_name": "王芳", "order_number": "A1001", "coupon_code": "7F3A9C2E51B04D8A",
                 "short_link": "https://example.com/r/x"}  # fmt: skip


class CampaignListView(ShopPageView, TemplateView):
    template_name = "campaigns/list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(campaigns=campaign_list(shop=self.shop)[:200], **kwargs)


def _form(shop, data=None, initial=None) -> CampaignForm:
    segments = customer_filter_controls(shop)["segments"] or [
        (key, label) for key, label in SEGMENT_LABELS.items() if key != NO_SEGMENT
    ]
    tags = [(str(tag.pk), tag.name) for tag in Tag.objects.order_by("name")]
    return CampaignForm(data, initial=initial, segments=segments, tags=tags)


class CampaignBuilderView(ShopPageView):
    """A new campaign; `?preset=churn_care` fills it in for customers worth keeping who are slipping away."""

    required_role = Role.MANAGER
    template_name = "campaigns/builder.html"

    def get(self, request):
        initial = {"currency": self.shop.currency}
        if request.GET.get("preset") == "churn_care":
            initial.update({key: str(value) if key in ("name", "message_body") else value
                            for key, value in CHURN_CARE_PRESET.items()})  # fmt: skip
        return self._render(request, _form(self.shop, initial=initial))

    def post(self, request):
        form = _form(self.shop, request.POST)
        if form.is_valid():
            try:
                campaign = campaign_create(shop=self.shop, data=form.as_campaign_data(), created_by=request.user)
            except CampaignInvalid as error:
                for field, reasons in audience_form_errors(error.errors).items():
                    for reason in reasons:
                        form.add_error(None if field == "__all__" else field, reason)
            else:
                messages.success(request, _("Draft saved. Check the audience and the message, then launch it."))
                return redirect("campaigns:detail", shop_slug=self.shop.slug, campaign_id=campaign.pk)
        return self._render(request, form, status=400)

    def _render(self, request, form, status: int = 200):
        return TemplateResponse(request, self.template_name, {"form": form}, status=status)


class BuilderPreviewView(ShopPageView):
    """The builder's live preview (htmx): how many customers the audience has now, and the message."""

    required_role = Role.MANAGER

    def post(self, request):
        form = _form(self.shop, request.POST)
        form.is_valid()
        context = {"size": None, "audience_error": "", "message": "", "message_errors": []}
        try:
            audience = audience_clean(form.audience() if not form.errors.get("customer_ids") else None)
            context["size"] = audience_size(shop=self.shop, audience=audience) if audience else None
            context["segment_driven"] = audience_is_segment_driven(audience)
        except AudienceInvalid as error:
            context["audience_error"] = "; ".join(reason for reasons in error.errors.values() for reason in reasons)
        body = request.POST.get("message_body", "")
        context["message_errors"] = message_template_check(body)
        if body and not context["message_errors"]:
            amount = request.POST.get("discount_amount") or f"{request.POST.get('discount_percent', '')}%"
            values = {**SAMPLE_VALUES, "shop_name": self.shop.name, "amount": amount}
            context["message"] = template_render(body, values)
        return TemplateResponse(request, "campaigns/_builder_preview.html", context)


class CampaignDetailView(ShopPageView, TemplateView):
    """A campaign: launch it, watch it issue (`?partial=1`, polled by htmx), and its results."""

    def get_template_names(self):
        return ["campaigns/_issue_progress.html" if self.request.GET.get("partial") else "campaigns/detail.html"]

    def get_context_data(self, **kwargs):
        campaign = campaign_get(shop=self.shop, campaign_id=self.kwargs["campaign_id"])
        results = campaign_results(campaign=campaign)
        context = {
            "campaign": campaign,
            "results": results,
            "issue": campaign_issue_progress(campaign=campaign),
            "chart": uplift_chart(results["holdout"]),
            "redemption_percent": None if results["redemption_rate"] is None else 100 * results["redemption_rate"],
            "amount": discount_label(campaign),
            "can_manage": has_role(self.membership, Role.MANAGER),
        }
        if campaign.status == CampaignStatus.DRAFT and campaign.audience:
            context["audience_size"] = audience_size(shop=self.shop, audience=campaign.audience)
        if campaign.message_body:
            values = {**SAMPLE_VALUES, "shop_name": self.shop.name, "amount": context["amount"]}
            context["message_preview"] = template_render(campaign.message_body, values)
        return super().get_context_data(**context, **kwargs)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if self.request.GET.get("partial") and context["campaign"].status != CampaignStatus.LAUNCHING:
            response.headers["HX-Refresh"] = "true"  # issued: reload to show the results
        return response


class CampaignActionView(ShopPageView):
    """Launch or end a campaign (POST `action`)."""

    required_role = Role.MANAGER

    def post(self, request, campaign_id: int):
        campaign = campaign_get(shop=self.shop, campaign_id=campaign_id)
        action = campaign_launch if request.POST.get("action") == "launch" else campaign_end
        try:
            action(shop=self.shop, campaign_id=campaign.pk)
        except CampaignStateError as error:
            messages.error(request, str(error))
        return redirect("campaigns:detail", shop_slug=self.shop.slug, campaign_id=campaign.pk)
