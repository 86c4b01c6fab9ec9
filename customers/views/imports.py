"""The customer CSV import page and a job's live progress (htmx polling), shaped like the
order import's (orders/views/imports.py)."""

from django import forms
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from crm.models import Role
from crm.platform.channels import Channel
from crm.tenancy.access import get_for_shop
from crm.tenancy.pages import ShopPageView
from customers.models import CustomerImportJob
from customers.services.imports import IMPORT_MAX_BYTES, customer_import_job_create, customer_import_progress

RECENT_JOBS = 20


class CustomerImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    default_channel = forms.ChoiceField(
        label=gettext_lazy("Channel for rows without one"), choices=Channel.choices, initial=Channel.WEB
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Upload a .csv file."))
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB; split it into smaller files.")
                % {"limit": IMPORT_MAX_BYTES // 2**20}
            )
        return upload


class CustomerImportView(ShopPageView, TemplateView):
    required_role = Role.MANAGER
    template_name = "customers/import.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", CustomerImportForm())
        jobs = CustomerImportJob.objects.order_by("-created_at", "-pk")[:RECENT_JOBS]
        return super().get_context_data(jobs=jobs, **kwargs)

    def post(self, request, **kwargs):
        form = CustomerImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        job = customer_import_job_create(shop=self.shop, upload=form.cleaned_data["file"],
                                         default_channel=form.cleaned_data["default_channel"],
                                         created_by=request.user)  # fmt: skip
        return redirect(reverse("customers:import-job", kwargs={"shop_slug": self.shop.slug, "job_id": job.pk}))


class CustomerImportJobView(ShopPageView, TemplateView):
    """The job page; with `?partial=1` (htmx polling) only the progress and results."""

    required_role = Role.MANAGER

    def get_template_names(self):
        partial = self.request.GET.get("partial")
        return ["customers/_import_progress.html" if partial else "customers/import_job.html"]

    def get_context_data(self, **kwargs):
        job = get_for_shop(CustomerImportJob, pk=self.kwargs["job_id"])
        progress = customer_import_progress(job)
        percent = round(100 * progress["processed"] / progress["total"]) if progress["total"] else 0
        return super().get_context_data(job=job, progress=progress, percent=percent, **kwargs)
