"""Row locks that claim work: the one place `SELECT ... FOR UPDATE SKIP LOCKED` is written."""

from django.db import models


def rows_claim(queryset: models.QuerySet) -> list:
    """Lock and return the rows of `queryset` that no other transaction holds, skipping the
    held ones instead of waiting for them: workers claiming from the same rows each get
    different ones. Call it inside a transaction; the locks last until that transaction ends.
    Only the queryset's own table is locked, not tables it joins."""
    return list(queryset.select_for_update(skip_locked=True, of=("self",)))
