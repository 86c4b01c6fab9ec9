"""Customer CSV import: streamed, batched through the set-based identity resolution.

Columns (docs/customers.md; Chinese header aliases accepted): at least one of
`customer_id` (the storefront's id on `channel`), `phone`, `email` per row; optional
`channel`, `name`, `gender`, `birthday`, `province`, `city`, `district`, `tags`
(separated by ; or |). The files `customer_csv_response` writes read back unchanged.
Matching follows identity resolution (channel id, phone, email); known customers only
get their blank fields filled, so importing the same file twice changes nothing.
"""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.models import Shop
from crm.platform.channels import Channel
from crm.platform.csv_files import ImportFileError, cell_unquote, encoding_detect
from crm.platform.dates import birthday_is_plausible
from crm.platform.reasons import Reason, reason_detail
from crm.platform.text import text_problem
from crm.shops.audit import audit_event_record
from crm.tenancy.context import require_shop_id
from customers.identity import IdentityInvalid, email_normalize, phone_normalize
from customers.identity_batch import IdentityBatch
from customers.models import Gender, Tag
from customers.services.tags import customers_tag

BATCH = 1000
MAX_REJECTS_KEPT = 1000
IDENTITY_COLUMNS = ("customer_id", "phone", "email")
COLUMNS = (*IDENTITY_COLUMNS, "channel", "name", "gender", "birthday", "province", "city", "district", "tags")
ALIASES = {"客户编号": "customer_id", "会员编号": "customer_id", "手机": "phone", "手机号": "phone", "电话": "phone",
           "邮箱": "email", "渠道": "channel", "姓名": "name", "性别": "gender", "生日": "birthday", "省份": "province",
           "城市": "city", "区县": "district", "标签": "tags"}  # fmt: skip
GENDERS = {"female": Gender.FEMALE, "f": Gender.FEMALE, "女": Gender.FEMALE, "male": Gender.MALE, "m": Gender.MALE,
           "男": Gender.MALE, "other": Gender.OTHER, "其他": Gender.OTHER, "unknown": Gender.UNKNOWN,
           "未知": Gender.UNKNOWN}  # fmt: skip
TEXT_LIMITS = {"name": 200, "province": 64, "city": 64, "district": 64, "customer_id": 128}


@dataclass
class CustomerImportResult:
    encoding: str = ""
    rows: int = 0
    created: int = 0
    matched: int = 0
    rejected: int = 0
    tagged: int = 0
    rejects: list[dict] = field(default_factory=list)


def customers_import_file(
    *, shop: Shop, path: Path, default_channel: str = Channel.WEB, progress: Callable | None = None
) -> CustomerImportResult:
    """Import a customer CSV into the shop in scope (the caller's transaction)."""
    assert shop.pk == require_shop_id(), "import in the scope of the shop it names"
    result = CustomerImportResult(encoding=encoding_detect(path))
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=result.encoding, newline="") as text:
        for batch in _batches(csv.reader(text), shop, default_channel, result):
            _import_batch(shop, batch, result)
            if progress is not None:
                progress(result)
    audit_event_record(
        action="customer.import",
        changes={
            "rows": result.rows,
            "created": result.created,
            "matched": result.matched,
            "rejected": result.rejected,
        },
    )
    return result


def header_positions(header: list[str]) -> dict[str, int]:
    positions = {}
    for index, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff").lower()
        name = ALIASES.get(name, name)
        if name in COLUMNS and name not in positions:
            positions[name] = index
    if not any(column in positions for column in IDENTITY_COLUMNS):
        raise ImportFileError(_("The header needs at least one of: customer_id, phone, email."))
    return positions


def _batches(reader, shop: Shop, default_channel: str, result: CustomerImportResult) -> Iterator[list]:
    positions = header_positions(next(reader, []))
    batch = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        result.rows += 1
        values = {column: cell_unquote(row[index]) if index < len(row) else "" for column, index in positions.items()}
        identity, error = row_clean(values, shop, default_channel)
        if error is not None:
            _reject(result, reader.line_num, *error)
        else:
            batch.append(identity)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def row_clean(values: dict, shop: Shop, default_channel: str) -> tuple[dict | None, tuple[str, str] | None]:
    """One row as a resolve identity, or (column, reason)."""
    for column, value in values.items():
        if problem := text_problem(value):
            return None, (column, problem)
    try:
        identity = {
            "channel": _channel(values.get("channel") or default_channel),
            "external_id": _text(values, "customer_id"),
            "phone": phone_normalize(values["phone"], shop.phone_region) if values.get("phone") else None,
            "email": email_normalize(values["email"]) if values.get("email") else None,
            "name": _text(values, "name"),
            "gender": _gender(values.get("gender", "")),
            "birthday": _birthday(values.get("birthday", "")),
            "province": _text(values, "province"),
            "city": _text(values, "city"),
            "district": _text(values, "district"),
            "tags": _tags(values.get("tags", "")),
        }
    except IdentityInvalid as error:
        return None, (error.field, error.reason)
    except _CellInvalid as error:
        return None, (error.column, error.reason)
    if not (identity["external_id"] or identity["phone"] or identity["email"]):
        return None, ("customer_id", _("Each row needs a customer_id, phone or email."))
    return identity, None


class _CellInvalid(ValueError):
    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column, self.reason = column, reason


def _text(values: dict, column: str) -> str:
    value = values.get(column, "")
    if len(value) > TEXT_LIMITS[column]:
        raise _CellInvalid(column, Reason(gettext_noop("At most %(limit)d characters."), limit=TEXT_LIMITS[column]))
    return value


def _channel(value: str) -> str:
    if value not in Channel.values:
        raise _CellInvalid("channel", Reason(gettext_noop("Unknown channel %(value)s."), value=value[:30]))
    return value


def _gender(value: str) -> str:
    if not value:
        return ""
    if value.lower() not in GENDERS:
        raise _CellInvalid("gender", _("Use female, male, other or unknown (or 女/男)."))
    return GENDERS[value.lower()]


def _birthday(value: str) -> date | None:
    if not value:
        return None
    try:
        birthday = date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise _CellInvalid("birthday", _("Not a date (YYYY-MM-DD).")) from None
    if not birthday_is_plausible(birthday, today=timezone.localdate()):
        raise _CellInvalid("birthday", _("Not a plausible birthday."))
    return birthday


def _tags(value: str) -> list[str]:
    names = [name.strip() for name in value.replace("|", ";").split(";") if name.strip()]
    if any(len(name) > 50 for name in names):
        raise _CellInvalid("tags", _("Tag names have at most 50 characters."))
    return names


def _reject(result: CustomerImportResult, line: int, column: str, reason: str) -> None:
    result.rejected += 1
    if len(result.rejects) < MAX_REJECTS_KEPT:
        result.rejects.append({"line": line, "field": column, "reason": reason, "detail": reason_detail(reason)})


def _import_batch(shop: Shop, batch: list[dict], result: CustomerImportResult) -> None:
    resolver = IdentityBatch(shop_id=shop.pk, identities=batch)
    ids = resolver.resolve()
    result.created += len(resolver.created_ids)
    result.matched += len(set(ids) - resolver.created_ids)
    by_tag: dict[str, set[int]] = {}
    for identity, customer_id in zip(batch, ids, strict=True):
        for name in identity["tags"]:
            by_tag.setdefault(name, set()).add(customer_id)
    if by_tag:
        tags = _tags_get_or_create(shop, sorted(by_tag))
        for name, customer_ids in by_tag.items():
            result.tagged += customers_tag(
                shop=shop, tag=tags[name], customer_ids=sorted(customer_ids), source="import"
            )


def _tags_get_or_create(shop: Shop, names: list[str]) -> dict[str, Tag]:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO customers_tag (shop_id, name, color, created_at) SELECT %s, name, '#6b7280', %s "
            "FROM unnest(%s::varchar[]) AS t(name) ON CONFLICT DO NOTHING",
            [shop.pk, timezone.now(), names],
        )
    return {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
