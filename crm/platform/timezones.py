"""The timezone choices staff pick from: the zones Chinese shops use most, named in the
page's language with their UTC offset, then every canonical zone by its IANA name (the
deprecated aliases such as Asia/Chongqing or PRC left out)."""

import zoneinfo
from datetime import datetime
from pathlib import Path

from django.utils.translation import gettext_lazy as _

COMMON_TIMEZONES = (
    ("Asia/Shanghai", _("China (Beijing, Shanghai)")),
    ("Asia/Hong_Kong", _("Hong Kong")),
    ("Asia/Macau", _("Macau")),
    ("Asia/Taipei", _("Taipei")),
    ("Asia/Singapore", _("Singapore")),
    ("Asia/Kuala_Lumpur", _("Kuala Lumpur")),
    ("Asia/Bangkok", _("Bangkok")),
    ("Asia/Tokyo", _("Tokyo")),
    ("Asia/Seoul", _("Seoul")),
    ("Asia/Dubai", _("Dubai")),
    ("Europe/London", _("London")),
    ("Europe/Paris", _("Paris")),
    ("Europe/Berlin", _("Berlin")),
    ("America/New_York", _("New York")),
    ("America/Los_Angeles", _("Los Angeles")),
    ("Australia/Sydney", _("Sydney")),
    ("UTC", _("Coordinated Universal Time (UTC)")),
)
_AREAS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/")


def canonical_timezones() -> list[str]:
    """Zones of the tz database's zone1970.tab where the system has it; otherwise every
    zone of a continent or ocean area."""
    for base in zoneinfo.TZPATH:
        table = Path(base) / "zone1970.tab"
        if table.exists():
            lines = table.read_text(encoding="utf-8").splitlines()
            names = {line.split("\t")[2] for line in lines if line and not line.startswith("#")}
            return sorted(names & zoneinfo.available_timezones())
    return sorted(name for name in zoneinfo.available_timezones() if name.startswith(_AREAS))


def _offset(name: str) -> str:
    offset = datetime.now(zoneinfo.ZoneInfo(name)).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def timezone_choices(current: str | None = None) -> list:
    """Grouped choices for a select: common zones first; `current` is kept even if it is
    an alias no longer offered."""
    common = [(name, f"{label} ({_offset(name)})") for name, label in COMMON_TIMEZONES]
    offered = {name for name, _label in COMMON_TIMEZONES}
    rest = [name for name in canonical_timezones() if name not in offered]
    if current and current not in offered and current not in rest:
        rest.insert(0, current)
    return [(_("Common"), common), (_("All timezones"), [(name, name) for name in rest])]
