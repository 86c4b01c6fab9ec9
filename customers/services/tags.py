"""Shop-defined tags and tagging, one at a time or in bulk."""

import re

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop
from crm.platform.request_context import actor_var
from crm.shops.audit import audit_event_record
from customers.models import CustomerTag, Tag

MAX_BULK = 5000
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class TagInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def _tag_clean(name: str, color: str) -> tuple[str, str]:
    name = (name or "").strip()
    errors = {}
    if not name or len(name) > 50:
        errors["name"] = [_("1 to 50 characters.")]
    if not _COLOR.match(color or ""):
        errors["color"] = [_("A color like #2563eb.")]
    if errors:
        raise TagInvalid(errors)
    return name, color.lower()


def tag_save(*, shop: Shop, name: str, color: str = "#6b7280", tag: Tag | None = None) -> Tag:
    """Create a tag, or rename/recolor `tag`."""
    name, color = _tag_clean(name, color)
    tag = tag or Tag(shop=shop)
    assert tag.shop_id == shop.pk
    created = tag.pk is None
    tag.name, tag.color = name, color
    try:
        with transaction.atomic():
            tag.save()
    except IntegrityError:
        raise TagInvalid({"name": [_("A tag with this name exists.")]}) from None
    audit_event_record(action="tag.create" if created else "tag.update", obj=tag, changes={"name": name})
    return tag


def tag_delete(*, shop: Shop, tag: Tag) -> None:
    assert tag.shop_id == shop.pk
    audit_event_record(action="tag.delete", obj=tag, changes={"name": tag.name})
    tag.delete()


def customers_tag(*, shop: Shop, tag: Tag, customer_ids: list[int], source: str = "staff") -> int:
    """Tag these customers in one statement (unknown ids and other shops' ids match no
    row); returns how many were newly tagged."""
    assert tag.shop_id == shop.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO customers_customertag (shop_id, customer_id, tag_id, set_by_user_id, source, created_at) "
            "SELECT c.shop_id, c.id, %s, %s, %s, %s FROM customers_customer c "
            "WHERE c.shop_id = %s AND c.id = ANY(%s) AND c.merged_into_id IS NULL "
            "ON CONFLICT DO NOTHING RETURNING customer_id",
            [tag.pk, actor_var.get().user_id, source, timezone.now(), shop.pk, list(customer_ids[:MAX_BULK])],
        )
        tagged = len(cursor.fetchall())
    audit_event_record(action="tag.apply", obj=tag, changes={"customers": tagged, "source": source})
    return tagged


def customers_untag(*, shop: Shop, tag: Tag, customer_ids: list[int]) -> int:
    assert tag.shop_id == shop.pk
    removed, _ = CustomerTag.objects.filter(tag=tag, customer_id__in=customer_ids[:MAX_BULK]).delete()
    audit_event_record(action="tag.remove", obj=tag, changes={"customers": removed})
    return removed
