"""Creating and editing customer profiles."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop
from crm.platform.dates import birthday_is_plausible
from crm.platform.postgresql.citus import shop_key
from crm.platform.text import text_problem
from crm.shops.audit import audit_event_record
from crm.tenancy.context import require_shop_id
from customers.identity import IdentityInvalid, customer_resolve_reporting, email_normalize, phone_normalize
from customers.models import AttributeType, Customer, CustomerAttributeDefinition

EDITABLE_FIELDS = (
    "name", "phone", "email", "gender", "birthday", "province", "city", "district", "source_channel", "attributes",
    "is_automated_targeting_refused", "language",
)  # fmt: skip


class ProfileInvalid(ValueError):
    """Field errors of a profile write: {"field": ["reason", ...]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def attributes_validate(*, attributes: dict) -> dict:
    """Check custom attributes against the shop's definitions (unknown keys are refused)
    and coerce them to JSON-friendly values."""
    if not isinstance(attributes, dict):
        raise ProfileInvalid({"attributes": [_("Must be an object.")]})
    if problem := next(filter(None, map(text_problem, attributes)), None):  # a key PostgreSQL cannot hold
        raise ProfileInvalid({"attributes": [problem]})
    definitions = {item.key: item for item in CustomerAttributeDefinition.objects.filter(key__in=list(attributes))}
    errors, clean = {}, {}
    for key, value in attributes.items():
        definition = definitions.get(key)
        if definition is None:
            errors[f"attributes.{key}"] = [_("Unknown attribute; define it first.")]
            continue
        try:
            clean[key] = _attribute_coerce(definition, value)
        except (ValueError, InvalidOperation, TypeError):
            errors[f"attributes.{key}"] = [_("Not a valid %(type)s.") % {"type": definition.get_type_display()}]
    if errors:
        raise ProfileInvalid(errors)
    return clean


def _attribute_coerce(definition: CustomerAttributeDefinition, value):
    if value is None or value == "":
        return None
    if definition.type == AttributeType.NUMBER:
        return str(Decimal(str(value)))
    if definition.type == AttributeType.DATE:
        return date.fromisoformat(str(value)).isoformat()
    if definition.type == AttributeType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError(value)
        return value
    if definition.type == AttributeType.CHOICE and value not in definition.choices:
        raise ValueError(value)
    text = str(value)
    if text_problem(text):
        raise ValueError(value)
    return text


def customer_create(*, shop: Shop, data: dict) -> tuple[Customer, bool]:
    """Create through identity resolution: a known person is returned (created=False)
    with blanks filled, never duplicated."""
    data = dict(data)
    _birthday_check(shop, data.get("birthday"))
    if "attributes" in data:
        data["attributes"] = attributes_validate(attributes=data["attributes"])
    channel = data.pop("channel", None) or data.get("source_channel") or "staff"
    try:
        customer, created = customer_resolve_reporting(shop=shop, channel=channel, **data)
    except IdentityInvalid as error:
        raise ProfileInvalid({error.field: [error.reason]}) from None
    if created:
        audit_event_record(action="customer.create", obj=customer, changes={"channel": channel})
    return customer, created


def customer_update(*, shop: Shop, customer: Customer, data: dict) -> Customer:
    """Explicit edit by staff or the storefront: given fields overwrite."""
    assert customer.shop_id == shop.pk
    changes = {name: value for name, value in _clean_update(shop, data).items() if getattr(customer, name) != value}
    if not changes:
        return customer
    for name, value in changes.items():
        setattr(customer, name, value)
    fields = [*changes, "updated_at"]
    if {"province", "city"} & set(changes):
        customer.is_region_edited = True
        fields.append("is_region_edited")
    try:
        with transaction.atomic():
            customer.save(update_fields=fields)
    except IntegrityError:
        taken = [name for name in ("phone", "email") if name in changes]
        raise ProfileInvalid({name: [_("Another customer already has this.")] for name in taken}) from None
    audit_event_record(action="customer.update", obj=customer, changes={"fields": sorted(changes)})
    return customer


def _clean_update(shop: Shop, data: dict) -> dict:
    clean = {name: value for name, value in data.items() if name in EDITABLE_FIELDS}
    try:
        if "phone" in clean:
            clean["phone"] = phone_normalize(clean["phone"], shop.phone_region) if clean["phone"] else None
        if "email" in clean:
            clean["email"] = email_normalize(clean["email"]) if clean["email"] else None
    except IdentityInvalid as error:
        raise ProfileInvalid({error.field: [error.reason]}) from None
    if "attributes" in clean:
        clean["attributes"] = attributes_validate(attributes=clean["attributes"])
    _birthday_check(shop, clean.get("birthday"))
    return clean


def customer_regions_follow_orders(*, shop: Shop, regions: dict[int, tuple[str, str]]) -> None:
    """Set province and city from the customers' latest orders ({customer id: (province,
    city)}), except where they were edited by hand (`is_region_edited`). Set-based: one
    statement for a whole batch of orders."""
    assert shop.pk == require_shop_id(), "update in the scope of the shop it names"
    if not regions:
        return
    ids = sorted(regions)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer AS c SET province = t.province, city = t.city, updated_at = now() "
            "FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[]) AS t(id, province, city) "
            f"WHERE c.shop_id = {shop_key(connection)} AND c.id = t.id AND c.id = ANY(%s) AND NOT c.is_region_edited "
            "AND (c.province, c.city) IS DISTINCT FROM (t.province, t.city)",
            [ids, [regions[id_][0] for id_ in ids], [regions[id_][1] for id_ in ids], shop.pk, ids],
        )


def _birthday_check(shop: Shop, birthday: date | None) -> None:
    if birthday and not birthday_is_plausible(birthday, today=timezone.localdate(timezone=shop.tzinfo)):
        raise ProfileInvalid({"birthday": [_("Not a plausible birthday: from 1900 to today.")]})


@transaction.atomic
def attribute_definition_save(*, shop: Shop, definition: CustomerAttributeDefinition) -> CustomerAttributeDefinition:
    """Create or change the definition of one custom attribute (the admin edits them)."""
    action = "customer_attribute.change" if definition.pk else "customer_attribute.create"
    definition.shop = shop
    definition.save()
    audit_event_record(action=action, obj=definition, changes={"key": definition.key, "type": definition.type})
    return definition


@transaction.atomic
def attribute_definition_delete(*, definition: CustomerAttributeDefinition) -> None:
    audit_event_record(action="customer_attribute.delete", obj=definition, changes={"key": definition.key})
    definition.delete()
