"""Storefront and staff API for tickets (thin: parse, call a service or selector, render)."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.models import ApiKey, ApiKeyScope, Membership
from crm.tenancy.api import ShopScopedApi
from crm.tenancy.errors import Conflict
from crm.tenancy.pagination import page_size_param
from tickets.api.serializers import (
    AssignInputSerializer,
    CsatInputSerializer,
    CsatResultSerializer,
    MessageOutSerializer,
    ReplyInputSerializer,
    SeverityInputSerializer,
    TicketDetailSerializer,
    TicketInputSerializer,
    TicketSerializer,
    TransitionInputSerializer,
)
from tickets.models import Ticket, TicketMessage
from tickets.selectors import MAX_PAGE_SIZE, PAGE_SIZE, QueueInvalid, ticket_page, ticket_queryset
from tickets.services import (
    AssignmentError,
    CsatInvalid,
    MessageInvalid,
    TicketInvalid,
    TicketStateError,
    csat_answer,
    ticket_assign,
    ticket_auto_assign,
    ticket_customer_message,
    ticket_open_from_payload,
    ticket_reply,
    ticket_severity_set,
    ticket_transition,
)

LIST_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR, description="One status or several, comma-separated."),
    OpenApiParameter("severity", OpenApiTypes.INT, description="1 (most urgent) to 4."),
    OpenApiParameter("assignee", OpenApiTypes.STR, description='A user id, or "none" for unassigned.'),
    OpenApiParameter("customer", OpenApiTypes.INT, description="Customer id."),
    OpenApiParameter(
        "breaching",
        OpenApiTypes.STR,
        enum=["true", "false"],
        description="true: a due time has passed or is within the warning window.",
    ),  # fmt: skip
    OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next` of the last page."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description=f"At most {MAX_PAGE_SIZE}."),
]
TICKET_ID = OpenApiParameter("ticket_id", OpenApiTypes.INT, OpenApiParameter.PATH)
PAGINATED_TICKETS = inline_serializer(
    "PaginatedTicketList",
    fields={"next": serializers.URLField(allow_null=True), "results": TicketSerializer(many=True)},
)


def _is_staff_voice(request) -> bool:
    """Staff sessions and admin keys speak for the shop (set severity, reply to the customer);
    a storefront key speaks for the customer."""
    return not isinstance(request.auth, ApiKey) or request.auth.scope == ApiKeyScope.ADMIN


def _staff_user(request):
    return None if isinstance(request.auth, ApiKey) else request.user


def _ticket(ticket_id: int) -> Ticket:
    ticket = Ticket.objects.select_related("customer", "category", "order", "shop").filter(pk=ticket_id).first()
    if ticket is None:
        raise Http404("ticket not found")
    return ticket


def _shop_time(shop, serializer) -> dict:
    """Times in the shop's timezone, with its offset (+08:00), as the contract shows them."""
    with timezone.override(shop.tzinfo):
        return serializer.data


def _detail(ticket: Ticket, status_code=status.HTTP_200_OK) -> Response:
    ticket = _ticket(ticket.pk)
    ticket.messages_in_order = list(TicketMessage.objects.filter(ticket=ticket).order_by("created_at", "pk"))
    return Response(_shop_time(ticket.shop, TicketDetailSerializer(ticket)), status=status_code)


class TicketListApi(ShopScopedApi):
    @extend_schema(parameters=LIST_PARAMETERS, responses=PAGINATED_TICKETS, operation_id="tickets_list",
                   summary="List tickets, the soonest due first")  # fmt: skip
    def get(self, request, **kwargs):
        size = page_size_param(request.query_params.get("page_size"), default=PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        try:
            queryset = ticket_queryset(shop=self.shop, params=request.query_params, user=_staff_user(request))
            page = ticket_page(queryset, cursor=request.query_params.get("cursor"), size=size)
        except QueueInvalid as invalid:
            raise ValidationError(invalid.errors) from None
        next_url = None
        if page.next_cursor:
            query = request.query_params.copy()
            query["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response({"next": next_url, "results": _shop_time(self.shop, TicketSerializer(page.rows, many=True))})

    @extend_schema(
        request=TicketInputSerializer,
        responses={201: TicketDetailSerializer},
        operation_id="tickets_create",
        summary="Open a ticket (customer matched or created; severity graded unless staff set it)",
    )
    def post(self, request, **kwargs):
        try:
            ticket = ticket_open_from_payload(
                shop=self.shop, raw=request.data, can_set_severity=_is_staff_voice(request),
                actor_user=_staff_user(request),
            )  # fmt: skip
        except TicketInvalid as invalid:
            raise ValidationError(invalid.errors) from None
        return _detail(ticket, status.HTTP_201_CREATED)


class TicketDetailApi(ShopScopedApi):
    @extend_schema(parameters=[TICKET_ID], responses=TicketDetailSerializer, operation_id="tickets_retrieve",
                   summary="One ticket with its conversation")  # fmt: skip
    def get(self, request, ticket_id: int, **kwargs):
        return _detail(_ticket(ticket_id))


class TicketReplyApi(ShopScopedApi):
    @extend_schema(
        parameters=[TICKET_ID],
        request=ReplyInputSerializer,
        responses={201: MessageOutSerializer},
        operation_id="tickets_replies_create",
        summary="Add a reply or note (staff, admin key) or the customer's message (storefront key)",
    )
    def post(self, request, ticket_id: int, **kwargs):
        ticket = _ticket(ticket_id)
        payload = ReplyInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        body = payload.validated_data["body"]
        try:
            if _is_staff_voice(request):
                message = ticket_reply(shop=self.shop, ticket_id=ticket.pk, body=body, author=_staff_user(request),
                                       is_public=payload.validated_data["is_public"])  # fmt: skip
            else:
                message = ticket_customer_message(shop=self.shop, ticket_id=ticket.pk, body=body)
        except MessageInvalid as invalid:
            raise ValidationError({"body": [str(invalid)]}) from None
        return Response(_shop_time(self.shop, MessageOutSerializer(message)), status=status.HTTP_201_CREATED)


class TicketTransitionApi(ShopScopedApi):
    @extend_schema(parameters=[TICKET_ID], request=TransitionInputSerializer, responses=TicketDetailSerializer,
                   operation_id="tickets_transition",
                   summary="Move a ticket to another status (409 naming the allowed moves otherwise)")  # fmt: skip
    def post(self, request, ticket_id: int, **kwargs):
        ticket = _ticket(ticket_id)
        payload = TransitionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            ticket = ticket_transition(shop=self.shop, ticket_id=ticket.pk, target=payload.validated_data["to"])
        except TicketStateError as error:
            raise Conflict(str(error)) from None
        return _detail(ticket)


class TicketAssignApi(ShopScopedApi):
    @extend_schema(parameters=[TICKET_ID], request=AssignInputSerializer, responses=TicketDetailSerializer,
                   operation_id="tickets_assign",
                   summary="Assign to a member, unassign (null), or assign automatically (no assignee)")  # fmt: skip
    def post(self, request, ticket_id: int, **kwargs):
        ticket = _ticket(ticket_id)
        payload = AssignInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            if "assignee" not in payload.validated_data:
                ticket = ticket_auto_assign(shop=self.shop, ticket_id=ticket.pk)
            else:
                ticket = ticket_assign(shop=self.shop, ticket_id=ticket.pk, user=self._member(payload))
        except AssignmentError as error:
            raise Conflict(str(error)) from None
        return _detail(ticket)

    def _member(self, payload):
        user_id = payload.validated_data["assignee"]
        if user_id is None:
            return None
        membership = Membership.objects.select_related("user").filter(user_id=user_id).first()
        if membership is None:
            raise ValidationError({"assignee": ["Not a member of this shop."]})
        return membership.user


class TicketSeverityApi(ShopScopedApi):
    # A storefront key may not grade its own complaints.
    required_scope = ApiKeyScope.ADMIN

    @extend_schema(parameters=[TICKET_ID], request=SeverityInputSerializer, responses=TicketDetailSerializer,
                   operation_id="tickets_severity_set", summary="Set the severity with a reason (audited)")  # fmt: skip
    def post(self, request, ticket_id: int, **kwargs):
        ticket = _ticket(ticket_id)
        payload = SeverityInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            ticket = ticket_severity_set(shop=self.shop, ticket_id=ticket.pk, user=_staff_user(request),
                                         severity=payload.validated_data["severity"],
                                         reason=payload.validated_data["reason"])  # fmt: skip
        except ValueError as invalid:
            raise ValidationError({"reason": [str(invalid)]}) from None
        return _detail(ticket)


class CsatAnswerApi(APIView):
    """The customer's answer to a satisfaction survey: the signed link is the credential (it
    names its shop), so no key or session is needed, and it works once."""

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(request=CsatInputSerializer, responses={201: CsatResultSerializer}, auth=[],
                   operation_id="tickets_csat_answer", summary="Answer a satisfaction survey (single use)")  # fmt: skip
    def post(self, request, token: str):
        try:
            survey = csat_answer(token=token, score=_field(request.data, "score"),
                                 comment=_field(request.data, "comment"))  # fmt: skip
        except CsatInvalid as invalid:
            if invalid.status == 422:
                raise ValidationError({invalid.field: [invalid.reason]}) from None
            return Response({"code": "survey_closed" if invalid.status != 404 else "not_found",
                             "detail": invalid.reason, "fields": {}}, status=invalid.status)  # fmt: skip
        return Response(CsatResultSerializer(survey).data, status=status.HTTP_201_CREATED)


def _field(data, name: str):
    return data.get(name) if isinstance(data, dict) else None
