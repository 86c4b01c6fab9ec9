"""The order CSV import page and a job's live progress (htmx polling)."""

from django import forms
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from crm.models import Role
from crm.platform.channels import ORDER_CHANNEL_CHOICES, Channel
from crm.tenancy.access import get_for_shop
from crm.tenancy.pages import ShopPageView
from orders.models import ImportJob, OrderStatus
from orders.selectors import import_job_list
from orders.services.imports import IMPORT_MAX_BYTES, import_job_create, import_progress


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    default_channel = forms.ChoiceField(
        label=gettext_lazy("Channel for rows without one"), choices=ORDER_CHANNEL_CHOICES, initial=Channel.WEB
    )
    # Without a status column every order would be pending and count for nothing.
    default_status = forms.ChoiceField(
        label=gettext_lazy("Status of orders without one"),
        choices=OrderStatus.choices,
        initial=OrderStatus.COMPLETED,
        help_text=gettext_lazy("Used when the file has no status column or a row leaves it blank. Pending and "
                               "cancelled orders do not count towards customers' orders and spend."),
    )  # fmt: skip

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


class OrderImportView(ShopPageView, TemplateView):
    required_role = Role.MANAGER
    template_name = "orders/import.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ImportForm())
        return super().get_context_data(jobs=import_job_list(shop=self.shop), **kwargs)

    def post(self, request, **kwargs):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        job = import_job_create(
            shop=self.shop,
            upload=form.cleaned_data["file"],
            default_channel=form.cleaned_data["default_channel"],
            default_status=form.cleaned_data["default_status"],
            created_by=request.user,
        )
        return redirect(reverse("orders:import-job", kwargs={"shop_slug": self.shop.slug, "job_id": job.pk}))


class ImportJobView(ShopPageView, TemplateView):
    """The job page; with `?partial=1` (htmx polling) only the progress and results."""

    required_role = Role.MANAGER

    def get_template_names(self):
        return ["orders/_import_progress.html" if self.request.GET.get("partial") else "orders/import_job.html"]

    def get_context_data(self, **kwargs):
        job = get_for_shop(ImportJob, pk=self.kwargs["job_id"])
        progress = import_progress(job)
        percent = round(100 * progress["processed"] / progress["total"]) if progress["total"] else 0
        return super().get_context_data(job=job, progress=progress, percent=percent, **kwargs)
