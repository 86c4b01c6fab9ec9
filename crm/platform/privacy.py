"""Copies of a person's data that the platform keeps on the apps' behalf: audit changes,
stored idempotent API responses and the Django admin's log. An app's erasure calls
`personal_copies_scrub` with the erased rows and the values that identified the person."""

import json

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Q

from crm.models import Shop
from crm.tenancy.context import require_shop_id


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _patterns(values: list[str]) -> list[str]:
    """LIKE patterns for each value as stored in text and as escaped inside JSON text (a
    name with `"` or `\\` is stored as `\\"` / `\\\\` there)."""
    forms = set(values) | {json.dumps(value, ensure_ascii=False)[1:-1] for value in values}
    return sorted("%" + _like_escape(form) + "%" for form in forms if form)


def personal_copies_scrub(*, shop: Shop, model: type[models.Model], ids: list[int], values: list[str]) -> None:
    """Drop or blank every platform copy that is about `model` rows `ids` (by id) or quotes
    one of `values` (by every stored form). A common name can match other customers'
    records too; losing a replay record only means a retried request is processed again."""
    assert shop.pk == require_shop_id(), "scrub in the scope of the shop it names"
    object_ids = [str(pk) for pk in ids]
    patterns = _patterns(values)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM crm_idempotencyrecord WHERE shop_id = %s AND response_body::text LIKE ANY(%s)",
            [shop.pk, patterns],
        )
        cursor.execute(
            "UPDATE crm_auditevent SET changes = '{}'::jsonb WHERE shop_id = %s AND changes <> '{}'::jsonb AND "
            "((object_type = %s AND object_id = ANY(%s)) OR changes::text LIKE ANY(%s))",
            [shop.pk, model._meta.label_lower, object_ids, patterns],
        )
    _admin_log_scrub(model, object_ids, values)


def _admin_log_scrub(model: type[models.Model], object_ids: list[str], values: list[str]) -> None:
    """The admin's log has no shop column: entries about the erased rows lose their
    description, and so does any entry that quotes one of the values, whichever shop's."""
    content_type = ContentType.objects.get_for_model(model)
    quoting = Q()
    for value in values:
        quoting |= Q(object_repr__contains=value) | Q(change_message__contains=value)
    entries = LogEntry.objects.filter(Q(content_type=content_type, object_id__in=object_ids) | quoting)
    entries.update(object_repr="", change_message="")
