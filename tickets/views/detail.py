"""A ticket's page (conversation, actions, the customer 360 sidebar) and the actions on it,
each a POST that calls one service and returns to the page."""

from decimal import Decimal

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from crm.models import Membership, Role
from crm.tenancy.access import get_for_shop, has_role
from crm.tenancy.pages import ShopPageView
from tickets.forms import CompensationForm, HandoverForm, ReplyForm, SeverityForm
from tickets.labels import severity_summary
from tickets.models import Compensation, Macro, Ticket, TicketAttachment
from tickets.selectors import ticket_detail
from tickets.services import (
    AssignmentError,
    AttachmentInvalid,
    CompensationInvalid,
    HandoverInvalid,
    MessageInvalid,
    TicketStateError,
    attachment_add,
    attachment_path,
    compensation_decide,
    compensation_request,
    macro_render,
    my_open_ticket_ids,
    running_campaigns,
    ticket_assign,
    ticket_auto_assign,
    ticket_follow_up_done,
    ticket_handover_set,
    ticket_reply,
    ticket_severity_set,
    ticket_transition,
)
from tickets.workflow import TRANSITIONS


def page_ticket(ticket_id: int) -> Ticket:
    ticket = (
        Ticket.objects.select_related("customer", "category", "order", "assignee", "shop").filter(pk=ticket_id).first()
    )
    if ticket is None:
        raise Http404("ticket not found")
    return ticket


class TicketDetailView(ShopPageView, TemplateView):
    template_name = "tickets/detail.html"

    def get_context_data(self, ticket_id: int, **kwargs):
        ticket = page_ticket(ticket_id)
        macros = list(Macro.objects.filter(is_active=True).order_by("name"))
        reply_initial = {"is_public": True}
        chosen = next((m for m in macros if str(m.pk) == self.request.GET.get("macro")), None)
        if chosen is not None:
            reply_initial.update(body=macro_render(ticket=ticket, macro=chosen), macro=chosen.pk)
        compensation_initial = {"kind": chosen.compensation_kind, "amount": chosen.compensation_amount} if (
            chosen and chosen.compensation_kind) else None  # fmt: skip
        return super().get_context_data(
            ticket=ticket,
            detail=ticket_detail(shop=self.shop, ticket=ticket),
            severity_text=severity_summary(ticket.severity_reasons),
            next_statuses=[
                (status, label)
                for status, label in ticket._meta.get_field("status").choices
                if status in TRANSITIONS[ticket.status]
            ],  # fmt: skip
            members=Membership.objects.select_related("user").order_by("user__full_name", "user__email"),
            macros=macros,
            chosen_macro=chosen,
            reply_form=kwargs.pop("reply_form", None) or ReplyForm(initial=reply_initial),
            severity_form=SeverityForm(initial={"severity": ticket.severity}),
            handover_form=HandoverForm(initial={"note": ticket.handover_note}),
            compensation_form=kwargs.pop("compensation_form", None)
            or CompensationForm(initial=compensation_initial, campaigns=running_campaigns()),
            compensation_proposed=compensation_initial is not None,
            is_manager=has_role(self.membership, Role.MANAGER),
            now=timezone.now(),
            **kwargs,
        )


class TicketActionView(ShopPageView):
    """POST only: the ticket named in the URL (404 for another shop's), one service call, back
    to the ticket page with a message."""

    def post(self, request, ticket_id: int, **kwargs):
        self.ticket = page_ticket(ticket_id)
        return self.act(request) or self.back()

    def back(self):
        return redirect(reverse("tickets:detail", kwargs={"shop_slug": self.shop.slug, "ticket_id": self.ticket.pk}))

    def act(self, request):
        raise NotImplementedError


class TicketReplyView(TicketActionView):
    def act(self, request):
        form = ReplyForm(request.POST)
        macro = None
        if form.is_valid() and form.cleaned_data["macro"]:
            macro = Macro.objects.filter(pk=form.cleaned_data["macro"]).first()
        try:
            if not form.is_valid():
                raise MessageInvalid(" ".join(form.errors.get("body", [_("Write a message.")])))
            ticket_reply(shop=self.shop, ticket_id=self.ticket.pk, body=form.cleaned_data["body"],
                         is_public=form.cleaned_data["is_public"], author=request.user, macro=macro)  # fmt: skip
        except (MessageInvalid, TicketStateError) as error:
            messages.error(request, str(error))
            view = TicketDetailView(request=request, shop=self.shop, membership=self.membership)
            return render(request, "tickets/detail.html",
                          view.get_context_data(ticket_id=self.ticket.pk, reply_form=form), status=400)  # fmt: skip
        messages.success(request, _("Reply sent.") if form.cleaned_data["is_public"] else _("Note added."))
        return None


class TicketTransitionView(TicketActionView):
    def act(self, request):
        try:
            ticket_transition(shop=self.shop, ticket_id=self.ticket.pk, target=request.POST.get("to", ""))
        except TicketStateError as error:
            messages.error(request, str(error))
        return None


class TicketAssignView(TicketActionView):
    def act(self, request):
        choice = request.POST.get("assignee", "")
        try:
            if choice == "auto":
                ticket_auto_assign(shop=self.shop, ticket_id=self.ticket.pk)
            else:
                user = None
                if choice:
                    membership = Membership.objects.select_related("user").filter(user_id=_int(choice)).first()
                    user = membership.user if membership else None
                    if user is None:
                        raise AssignmentError(_("This person is not a member of the shop."))
                ticket_assign(shop=self.shop, ticket_id=self.ticket.pk, user=user)
        except AssignmentError as error:
            messages.error(request, str(error))
        return None


class TicketSeverityView(TicketActionView):
    def act(self, request):
        form = SeverityForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a severity and give a reason."))
            return None
        ticket_severity_set(shop=self.shop, ticket_id=self.ticket.pk, severity=form.cleaned_data["severity"],
                            reason=form.cleaned_data["reason"], user=request.user)  # fmt: skip
        messages.success(request, _("Severity changed."))
        return None


class TicketHandoverView(TicketActionView):
    def act(self, request):
        form = HandoverForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The handover note is too long."))
            return None
        ids = my_open_ticket_ids(user=request.user) if form.cleaned_data["all_mine"] else []
        try:
            count = ticket_handover_set(shop=self.shop, ticket_ids=ids or [self.ticket.pk],
                                        note=form.cleaned_data["note"], user=request.user)  # fmt: skip
        except HandoverInvalid as error:
            messages.error(request, str(error))
            return None
        messages.success(request, _("Handover note left on %(count)d tickets.") % {"count": count})
        return None


class TicketFollowUpDoneView(TicketActionView):
    def act(self, request):
        ticket_follow_up_done(shop=self.shop, ticket_id=self.ticket.pk)
        messages.success(request, _("Follow-up done."))
        return None


class TicketCompensationView(TicketActionView):
    def act(self, request):
        campaigns = running_campaigns()
        form = CompensationForm(request.POST, campaigns=campaigns)
        if form.is_valid():
            data = form.cleaned_data
            try:
                compensation = compensation_request(
                    shop=self.shop, ticket=self.ticket, kind=data["kind"], amount=data["amount"] or Decimal("0"),
                    points=data["points"] or 0, note=data["note"], user=request.user,
                    campaign=next((c for c in campaigns if str(c.pk) == data["campaign"]), None),
                )  # fmt: skip
            except CompensationInvalid as invalid:
                form.add_service_errors(invalid.errors)
            else:
                messages.success(request, _("Compensation recorded.") if compensation.status == "applied"
                                 else _("Compensation waits for a manager's approval."))  # fmt: skip
                return None
        view = TicketDetailView(request=request, shop=self.shop, membership=self.membership)
        context = view.get_context_data(ticket_id=self.ticket.pk, compensation_form=form)
        return render(request, "tickets/detail.html", context, status=400)


class CompensationDecideView(TicketActionView):
    required_role = Role.MANAGER

    def act(self, request):
        compensation = get_for_shop(Compensation, pk=_int(request.POST.get("compensation_id")), ticket=self.ticket)
        try:
            compensation_decide(shop=self.shop, compensation_id=compensation.pk,
                                approve=request.POST.get("approve") == "1", user=request.user)  # fmt: skip
        except CompensationInvalid as invalid:
            messages.error(request, " ".join(reason for reasons in invalid.errors.values() for reason in reasons))
        return None


class TicketAttachmentUploadView(TicketActionView):
    def act(self, request):
        uploads = request.FILES.getlist("files")
        if not uploads:
            messages.error(request, _("Choose a file."))
        for upload in uploads:
            try:
                attachment_add(shop=self.shop, ticket=self.ticket, upload=upload, user=request.user)
            except AttachmentInvalid as error:
                messages.error(request, f"{upload.name}: {error}")
        return None


class TicketAttachmentView(ShopPageView):
    """Serves a file only to members of the shop that owns it (any other id is a 404)."""

    def get(self, request, ticket_id: int, attachment_id: int, **kwargs):
        attachment = get_for_shop(TicketAttachment, pk=attachment_id, ticket_id=ticket_id)
        try:
            path = attachment_path(attachment)
        except AttachmentInvalid:
            raise Http404("file missing") from None
        response = FileResponse(open(path, "rb"), content_type=attachment.content_type,  # noqa: SIM115
                                as_attachment=attachment.content_type == "application/pdf",
                                filename=attachment.file_name)  # fmt: skip
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None
