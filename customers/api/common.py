"""Helpers shared by the customer API views."""

from django.http import Http404
from rest_framework import serializers

from crm.models import User
from crm.tenancy.access import get_for_shop
from customers.filters import FilterInvalid
from customers.models import Customer
from customers.selectors import CursorInvalid
from customers.services import MergeInvalid, NoteInvalid, ProfileInvalid, TagInvalid


def staff_user(request) -> User | None:
    """The staff member behind a session request; None for a storefront API key."""
    return request.user if isinstance(request.user, User) else None


def change_source(request) -> str:
    return "staff" if staff_user(request) else "api"


def live_customer_get(customer_id: int) -> Customer:
    """A customer of the shop in scope that was not merged away; anything else is the same 404."""
    customer = get_for_shop(Customer, pk=customer_id)
    if customer.merged_into_id is not None:
        raise Http404("customer not found")
    return customer


def as_validation_error(error: Exception) -> serializers.ValidationError:
    """Turn a service's domain error into a 400 naming the field."""
    if isinstance(error, ProfileInvalid | TagInvalid | FilterInvalid):
        return serializers.ValidationError(error.errors)
    if isinstance(error, CursorInvalid):
        return serializers.ValidationError({"cursor": [str(error)]})
    if isinstance(error, NoteInvalid):
        return serializers.ValidationError({"body": [str(error)]})
    if isinstance(error, MergeInvalid):
        return serializers.ValidationError({"duplicate_id": [str(error)]})
    raise TypeError(f"not a customer domain error: {error!r}")


DOMAIN_ERRORS = (ProfileInvalid, TagInvalid, FilterInvalid, CursorInvalid, NoteInvalid, MergeInvalid)
