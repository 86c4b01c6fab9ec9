"""Writes for customers. Import from here: `from customers.services import customer_merge`.
Identity resolution lives in customers/identity.py."""

from customers.services.consent import consent_is_granted, customer_consent_set, customer_targeting_refusal_set
from customers.services.merge import MergeConflict, MergeInvalid, customer_merge
from customers.services.notes import NoteInvalid, customer_note_add
from customers.services.privacy import customer_erase, customer_export
from customers.services.profile import (
    ProfileInvalid,
    attribute_definition_delete,
    attribute_definition_save,
    attributes_validate,
    customer_create,
    customer_regions_follow_orders,
    customer_update,
)
from customers.services.tags import TagInvalid, customers_tag, customers_untag, tag_delete, tag_save

__all__ = [
    "MergeConflict",
    "MergeInvalid",
    "NoteInvalid",
    "ProfileInvalid",
    "TagInvalid",
    "attribute_definition_delete",
    "attribute_definition_save",
    "attributes_validate",
    "consent_is_granted",
    "customer_consent_set",
    "customer_create",
    "customer_erase",
    "customer_export",
    "customer_merge",
    "customer_note_add",
    "customer_regions_follow_orders",
    "customer_targeting_refusal_set",
    "customer_update",
    "customers_tag",
    "customers_untag",
    "tag_delete",
    "tag_save",
]
