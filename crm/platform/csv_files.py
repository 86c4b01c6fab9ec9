"""CSV files in and out, for every app: decoding uploads, streaming exports, and keeping
spreadsheet formulas out of both.

Exports neutralise formulas as OWASP recommends (CSV injection): a cell that starts with
= + - @ tab or CR is written with a leading `'`, so a spreadsheet shows it as text instead
of running it; plain numbers and E.164 phones are left alone. A cell that already starts
with `'` gets one more, and importers strip exactly one (`cell_unquote`), so an export
imports back unchanged.
"""

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Shop
from crm.tenancy.context import shop_scope

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
# Numbers (-12.50, +3) and E.164 phones (+8613800138000) are data, not formulas.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (encoding, header)."""


def encoding_detect(path: Path) -> str:
    """ "utf-8-sig" (BOM), "utf-8" if every byte of the file decodes as UTF-8, else "gb18030"
    (a superset of GBK, what Chinese spreadsheet tools write) if every byte decodes as that;
    ImportFileError when neither does (UTF-16 "Unicode text" exports, binary files). Reads the
    whole file in chunks, so a late bad byte is caught and memory stays flat; a second time
    only for a file that is not UTF-8."""
    if _decodes(path, "utf-8"):
        with open(path, "rb") as handle:
            return "utf-8-sig" if handle.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8 else "utf-8"
    if _decodes(path, "gb18030"):
        return "gb18030"
    raise ImportFileError(_('The file is neither UTF-8 nor GBK text: save it as "CSV UTF-8" and upload it again.'))


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def cell_unquote(raw: str) -> str:
    """An imported cell without surrounding blanks and without the one `'` an export added."""
    value = raw.strip()
    return value[1:] if value.startswith("'") else value


def cell_neutralise(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_download(
    *, shop: Shop, name: str, header: Sequence[str], read_chunk: Callable[[int], tuple[list[Sequence], int | None]]
) -> StreamingHttpResponse:
    """A streamed CSV attachment `<name>-<shop>-<time>.csv`.

    The body is produced after the view has returned, outside the request's transaction, so
    each chunk is read in the shop's own scope: `read_chunk(after_id)` returns the CSV rows
    of the next keyset chunk and the last id it read (None when there is nothing left), and
    memory stays flat however many rows there are."""
    stamp = timezone.localtime(timezone.now(), shop.tzinfo).strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_csv_text(shop.pk, header, read_chunk), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{shop.slug}-{stamp}.csv"'
    return response


def _csv_text(shop_id: int, header: Sequence[str], read_chunk) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # A BOM so spreadsheet tools read the Chinese text as UTF-8 (the importers accept it).
    yield "\ufeff" + _write(writer, buffer, [header])
    last_id = 0
    while True:
        with shop_scope(shop_id):
            rows, last_id = read_chunk(last_id)
        if last_id is None:
            return
        yield _write(writer, buffer, rows)


def _write(writer, buffer: io.StringIO, rows: Iterable[Sequence]) -> str:
    writer.writerows([cell_neutralise(value) for value in row] for row in rows)
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
