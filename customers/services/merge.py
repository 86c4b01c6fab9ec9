"""Merging a duplicate customer into a survivor.

Every model with a foreign key to Customer gives up the duplicate's rows: through the
merge handler its app registered for it (customers/registry.py MERGE_HANDLERS), which
moves or combines them, or else by re-pointing them as they are. A re-pointed row that
would break a unique constraint fails the whole merge (MergeConflict) and nothing
changes: only a handler knows which of two clashing rows to keep. CustomerMerge history
rows stay as they are. The duplicate's phone and email stay findable as secondary
identifiers of the survivor (CustomerIdentifier), its channel ids move with it.
"""

from django.db import IntegrityError, transaction
from django.db.models import ForeignObjectRel
from django.utils.translation import gettext as _

from crm.models import Shop
from crm.platform.request_context import actor_var
from crm.shops.audit import audit_event_record
from customers.identity_batch import PROFILE_FIELDS
from customers.models import Customer, CustomerConsent, CustomerIdentifier, CustomerMerge, CustomerTag, IdentifierKind
from customers.registry import MERGE_HANDLERS
from customers.stats import customer_stats_refresh


class MergeInvalid(ValueError):
    pass


class MergeConflict(MergeInvalid):
    """Rows of a model without a merge handler would clash on the survivor."""


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
    moved = {}
    for relation in _relations():
        count = _move(relation, shop, survivor, duplicate)
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


def _relations() -> list[ForeignObjectRel]:
    """Every foreign key to Customer, also those without a reverse accessor
    (`related_name="+"`), except the merge history's own."""
    return [
        field
        for field in Customer._meta.get_fields(include_hidden=True)
        if isinstance(field, ForeignObjectRel) and field.related_model is not CustomerMerge
    ]


def _identifiers(duplicate: Customer) -> dict:
    return {
        "name": duplicate.name,
        "phone": duplicate.phone,
        "email": duplicate.email,
        "channel_ids": [f"{row.channel}:{row.external_id}" for row in duplicate.channel_ids.all()],
    }


def _move(relation: ForeignObjectRel, shop: Shop, survivor: Customer, duplicate: Customer) -> int:
    model, fk_name = relation.related_model, relation.field.name
    handle = MERGE_HANDLERS.get(model._meta.label_lower)
    if handle is not None:
        return handle(shop=shop, survivor=survivor, duplicate=duplicate)
    try:
        with transaction.atomic():
            return model._default_manager.filter(**{fk_name: duplicate}).update(**{fk_name: survivor})
    except IntegrityError:
        raise MergeConflict(
            _("Both customers have %(rows)s that cannot be combined; nothing was merged.")
            % {"rows": model._meta.verbose_name_plural}
        ) from None


def consents_merge(*, shop: Shop, survivor: Customer, duplicate: Customer) -> int:
    """Where both have a consent for the same (channel, purpose), the newer decision wins;
    the duplicate's other consents move. (Its consent history moves as it is.)"""
    mine = {(row.channel, row.purpose): row for row in CustomerConsent.objects.filter(customer=survivor)}
    for theirs in CustomerConsent.objects.filter(customer=duplicate):
        kept = mine.get((theirs.channel, theirs.purpose))
        if kept is None:
            continue
        if theirs.updated_at > kept.updated_at:
            kept.is_granted, kept.source, kept.updated_at = theirs.is_granted, theirs.source, theirs.updated_at
            kept.save(update_fields=["is_granted", "source", "updated_at"])
        theirs.delete()
    return CustomerConsent.objects.filter(customer=duplicate).update(customer=survivor)


def tags_merge(*, shop: Shop, survivor: Customer, duplicate: Customer) -> int:
    """A tag both have stays the survivor's (who set it and when); the others move."""
    survivor_tags = CustomerTag.objects.filter(customer=survivor).values("tag_id")
    CustomerTag.objects.filter(customer=duplicate, tag_id__in=survivor_tags).delete()
    return CustomerTag.objects.filter(customer=duplicate).update(customer=survivor)


def identifiers_merge(*, shop: Shop, survivor: Customer, duplicate: Customer) -> int:
    """The duplicate's secondary identifiers move, and its own phone and email become the
    survivor's unless the survivor's profile takes them over (_absorb_profile)."""
    moved = CustomerIdentifier.objects.filter(customer=duplicate).update(customer=survivor)
    for kind, value, survivor_value in (
        (IdentifierKind.PHONE, duplicate.phone, survivor.phone),
        (IdentifierKind.EMAIL, duplicate.email, survivor.email),
    ):
        if value and survivor_value and value != survivor_value:
            CustomerIdentifier.objects.get_or_create(shop=shop, kind=kind, value=value, defaults={"customer": survivor})
    return moved


def _absorb_profile(survivor: Customer, duplicate: Customer) -> None:
    """The survivor keeps its values and takes the duplicate's where it has none; the
    duplicate's phone/email move (or become identifiers) so the live unique indexes stay free."""
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
