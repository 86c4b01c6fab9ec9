"""Merging a duplicate customer into a survivor.

Every model with a foreign key to Customer is re-pointed generically through
`Customer._meta.related_objects`, so tickets, coupons and messages added by later apps
move without changes here. Rows that would break a unique constraint on the survivor (the
same tag twice, the same channel id, a one-to-one score) are dropped from the duplicate
instead; CustomerMerge history rows stay as they are.
"""

from django.db import models, transaction

from crm.audit import audit_event_record
from crm.models import Shop
from crm.request_context import actor_var
from customers.identity_batch import PROFILE_FIELDS
from customers.models import Customer, CustomerConsent, CustomerMerge
from customers.stats import customer_stats_refresh


class MergeInvalid(ValueError):
    pass


@transaction.atomic
def customer_merge(*, shop: Shop, survivor: Customer, duplicate: Customer) -> CustomerMerge:
    """Move everything of `duplicate` to `survivor`, record it, audit it."""
    if survivor.shop_id != shop.pk or duplicate.shop_id != shop.pk:
        raise MergeInvalid("Both customers must belong to this shop.")
    if survivor.pk == duplicate.pk:
        raise MergeInvalid("A customer cannot be merged into itself.")
    survivor, duplicate = _lock(survivor.pk, duplicate.pk)
    if survivor.merged_into_id or duplicate.merged_into_id:
        raise MergeInvalid("One of the customers was already merged away.")
    identifiers = _identifiers(duplicate)
    _consents_reconcile(survivor, duplicate)
    moved = {}
    for relation in Customer._meta.related_objects:
        if relation.related_model is CustomerMerge:
            continue
        count = _repoint(relation, survivor, duplicate)
        if count:
            moved[relation.related_model._meta.label_lower + "." + relation.field.name] = count
    _absorb_profile(survivor, duplicate)
    customer_stats_refresh(shop=shop, customer_ids=[survivor.pk, duplicate.pk])
    merge = CustomerMerge.objects.create(
        shop=shop,
        survivor=survivor,
        duplicate=duplicate,
        moved=moved,
        duplicate_identifiers=identifiers,
        actor_user_id=actor_var.get().user_id,
    )
    audit_event_record(action="customer.merge", obj=survivor, changes={"duplicate_id": duplicate.pk, "moved": moved})
    return merge


def _lock(survivor_id: int, duplicate_id: int) -> tuple[Customer, Customer]:
    locked = Customer.objects.select_for_update().filter(pk__in=[survivor_id, duplicate_id]).order_by("pk")
    rows = {row.pk: row for row in locked}
    return rows[survivor_id], rows[duplicate_id]


def _identifiers(duplicate: Customer) -> dict:
    return {
        "name": duplicate.name,
        "phone": duplicate.phone,
        "email": duplicate.email,
        "channel_ids": [f"{row.channel}:{row.external_id}" for row in duplicate.channel_ids.all()],
    }


def _consents_reconcile(survivor: Customer, duplicate: Customer) -> None:
    """Where both have a consent for the same (channel, purpose), the newer decision wins."""
    theirs = {(row.channel, row.purpose): row for row in CustomerConsent.objects.filter(customer=duplicate)}
    for mine in CustomerConsent.objects.filter(customer=survivor):
        other = theirs.get((mine.channel, mine.purpose))
        if other is not None and other.updated_at > mine.updated_at:
            mine.is_granted, mine.source, mine.updated_at = other.is_granted, other.source, other.updated_at
            mine.save(update_fields=["is_granted", "source", "updated_at"])


def _unique_field_sets(model: type[models.Model], fk_name: str) -> list[tuple[str, ...]]:
    """The other fields of every unique constraint that includes the foreign key."""
    sets = []
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and fk_name in constraint.fields:
            sets.append(tuple(name for name in constraint.fields if name not in ("shop", fk_name)))
    for together in model._meta.unique_together:
        if fk_name in together:
            sets.append(tuple(name for name in together if name not in ("shop", fk_name)))
    if model._meta.get_field(fk_name).unique:
        sets.append(())
    return sets


def _repoint(relation, survivor: Customer, duplicate: Customer) -> int:
    model, fk_name = relation.related_model, relation.field.name
    manager = model._default_manager
    for other_fields in _unique_field_sets(model, fk_name):
        kept = set(manager.filter(**{fk_name: survivor}).values_list("pk", *other_fields))
        if not kept:
            continue
        kept_keys = {row[1:] for row in kept}
        theirs = manager.filter(**{fk_name: duplicate}).values_list("pk", *other_fields)
        clashing = [row[0] for row in theirs if row[1:] in kept_keys]
        if clashing:
            manager.filter(pk__in=clashing).delete()
    return manager.filter(**{fk_name: duplicate}).update(**{fk_name: survivor})


def _absorb_profile(survivor: Customer, duplicate: Customer) -> None:
    """The survivor keeps its values and takes the duplicate's where it has none; the
    duplicate's phone/email move (or are dropped) so the live unique indexes stay free."""
    taken = {name: getattr(duplicate, name) for name in ("phone", "email")}
    duplicate.merged_into = survivor
    duplicate.phone = duplicate.email = None
    duplicate.save(update_fields=["merged_into", "phone", "email", "updated_at"])
    fields = ["attributes", "is_automated_targeting_refused", "updated_at"]
    for name in (*PROFILE_FIELDS, "phone", "email"):
        value = taken.get(name, getattr(duplicate, name))
        mine = getattr(survivor, name)
        if value and (not mine or (name == "gender" and mine == "unknown")):
            setattr(survivor, name, value)
            fields.append(name)
    survivor.attributes = {**duplicate.attributes, **survivor.attributes}
    # Either profile refusing automated targeting means the person refused it.
    survivor.is_automated_targeting_refused |= duplicate.is_automated_targeting_refused
    survivor.save(update_fields=fields)
