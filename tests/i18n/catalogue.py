"""Reading the gettext catalogue for the translation tests (no polib: a .po file's
entries are blocks of `msgid`/`msgstr` lines, which is all these tests need)."""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
_KEYWORD = re.compile(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgstrs: tuple[str, ...] = ()
    is_fuzzy: bool = False
    is_obsolete: bool = False

    @property
    def is_translated(self) -> bool:
        return bool(self.msgstrs) and all(self.msgstrs)


def entries(path: Path = CATALOGUE) -> list[Entry]:
    found, fields, flags, key = [], {}, "", None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in fields:
                found.append(_entry(fields, flags))
            fields, flags, key = {}, "", None
        elif line.startswith("#~"):
            fields["obsolete"] = "1"
        elif line.startswith("#,"):
            flags += line
        elif line.startswith('"') and key:
            fields[key] += ast.literal_eval(line)
        elif match := _KEYWORD.match(line):
            key = match.group(1)
            fields[key] = ast.literal_eval(match.group(2))
    return [entry for entry in found if entry.msgid and not entry.is_obsolete]


def _entry(fields: dict, flags: str) -> Entry:
    msgstrs = tuple(value for key, value in fields.items() if key.startswith("msgstr"))
    return Entry(
        msgid=fields["msgid"],
        msgid_plural=fields.get("msgid_plural", ""),
        msgstrs=msgstrs,
        is_fuzzy="fuzzy" in flags,
        is_obsolete="obsolete" in fields,
    )
