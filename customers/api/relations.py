"""Tags (definitions, per customer, bulk), notes and consent."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from crm.models import Role
from crm.tenancy.access import get_for_shop
from crm.tenancy.api import ShopScopedApi
from crm.tenancy.pagination import CappedPageNumberPagination, page_schema
from customers.api.common import DOMAIN_ERRORS, as_validation_error, change_source, live_customer_get, staff_user
from customers.api.serializers import (
    BulkTagResultSerializer,
    BulkTagSerializer,
    ConsentChangeSerializer,
    ConsentStateSerializer,
    NoteSerializer,
    TagAssignSerializer,
    TagSerializer,
)
from customers.models import CustomerNote, Tag
from customers.selectors.overview import customer_consent_state
from customers.services import (
    customer_consent_set,
    customer_note_add,
    customer_targeting_refusal_set,
    customers_tag,
    customers_untag,
    tag_delete,
    tag_save,
)


class TagListApi(ShopScopedApi):
    @page_schema(TagSerializer, summary="The shop's tags")
    def get(self, request, **kwargs):
        paginator = CappedPageNumberPagination()
        page = paginator.paginate_queryset(Tag.objects.order_by("name"), request, view=self)
        return paginator.get_paginated_response(TagSerializer(page, many=True).data)

    @extend_schema(request=TagSerializer, responses={201: TagSerializer}, summary="Define a tag")
    def post(self, request, **kwargs):
        payload = TagSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            tag = tag_save(shop=self.shop, **payload.validated_data)
        except DOMAIN_ERRORS as error:
            raise as_validation_error(error) from None
        return Response(TagSerializer(tag).data, status=status.HTTP_201_CREATED)


class TagDetailApi(ShopScopedApi):
    required_role = Role.MANAGER

    @extend_schema(request=TagSerializer, responses=TagSerializer, summary="Rename or recolor a tag")
    def patch(self, request, tag_id: int, **kwargs):
        tag = get_for_shop(Tag, pk=tag_id)
        payload = TagSerializer(tag, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = {"name": tag.name, "color": tag.color, **payload.validated_data}
        try:
            tag = tag_save(shop=self.shop, tag=tag, **data)
        except DOMAIN_ERRORS as error:
            raise as_validation_error(error) from None
        return Response(TagSerializer(tag).data)

    @extend_schema(responses={204: None}, summary="Delete a tag (and remove it from every customer)")
    def delete(self, request, tag_id: int, **kwargs):
        tag_delete(shop=self.shop, tag=get_for_shop(Tag, pk=tag_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerTagsApi(ShopScopedApi):
    @extend_schema(request=TagAssignSerializer, responses={204: None}, summary="Tag a customer")
    def post(self, request, customer_id: int, **kwargs):
        customer = live_customer_get(customer_id)
        payload = TagAssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        tag = get_for_shop(Tag, pk=payload.validated_data["tag_id"])
        customers_tag(shop=self.shop, tag=tag, customer_ids=[customer.pk], source=change_source(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerTagApi(ShopScopedApi):
    @extend_schema(responses={204: None}, summary="Remove a tag from a customer")
    def delete(self, request, customer_id: int, tag_id: int, **kwargs):
        customer = live_customer_get(customer_id)
        customers_untag(shop=self.shop, tag=get_for_shop(Tag, pk=tag_id), customer_ids=[customer.pk])
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerBulkTagApi(ShopScopedApi):
    @extend_schema(request=BulkTagSerializer, responses=BulkTagResultSerializer, summary="Tag or untag many customers")
    def post(self, request, **kwargs):
        payload = BulkTagSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        tag = get_for_shop(Tag, pk=payload.validated_data["tag_id"])
        ids = payload.validated_data["customer_ids"]
        if payload.validated_data["action"] == "add":
            changed = customers_tag(shop=self.shop, tag=tag, customer_ids=ids, source=change_source(request))
        else:
            changed = customers_untag(shop=self.shop, tag=tag, customer_ids=ids)
        return Response({"changed": changed})


class CustomerNotesApi(ShopScopedApi):
    @page_schema(NoteSerializer, summary="A customer's notes, newest first")
    def get(self, request, customer_id: int, **kwargs):
        customer = live_customer_get(customer_id)
        paginator = CappedPageNumberPagination()
        notes = CustomerNote.objects.filter(customer=customer).select_related("author").order_by("-created_at", "-id")
        page = paginator.paginate_queryset(notes, request, view=self)
        return paginator.get_paginated_response(NoteSerializer(page, many=True).data)

    @extend_schema(request=NoteSerializer, responses={201: NoteSerializer}, summary="Add a note")
    def post(self, request, customer_id: int, **kwargs):
        customer = live_customer_get(customer_id)
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        author = staff_user(request)
        try:
            note = customer_note_add(
                shop=self.shop, customer=customer, author=author, body=payload.validated_data["body"]
            )
        except DOMAIN_ERRORS as error:
            raise as_validation_error(error) from None
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class CustomerConsentApi(ShopScopedApi):
    @extend_schema(responses=ConsentStateSerializer(many=True), summary="Current consent per channel and purpose")
    def get(self, request, customer_id: int, **kwargs):
        return Response(ConsentStateSerializer(customer_consent_state(live_customer_get(customer_id)), many=True).data)

    @extend_schema(
        request=ConsentChangeSerializer,
        responses=ConsentStateSerializer(many=True),
        summary="Record a consent decision or the automated-targeting refusal",
    )
    def post(self, request, customer_id: int, **kwargs):
        customer = live_customer_get(customer_id)
        payload = ConsentChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if "channel" in data:
            customer_consent_set(
                shop=self.shop,
                customer=customer,
                channel=data["channel"],
                purpose=data["purpose"],
                is_granted=data["is_granted"],
                source=data["source"],
            )
        if "is_automated_targeting_refused" in data:
            customer_targeting_refusal_set(
                shop=self.shop,
                customer=customer,
                is_refused=data["is_automated_targeting_refused"],
                source=data["source"],
            )
        return Response(ConsentStateSerializer(customer_consent_state(customer), many=True).data)
