"""When marketing SMS may go out: a daily window in the shop's local time (08:00-22:00 by
default; a window whose end is before its start runs across midnight). Pure functions."""

import datetime
import zoneinfo


def window_contains(local_time: datetime.time, start: datetime.time, end: datetime.time) -> bool:
    if start <= end:
        return start <= local_time < end
    return local_time >= start or local_time < end


def window_next_open(moment: datetime.datetime, *, tz: zoneinfo.ZoneInfo, start: datetime.time,
                     end: datetime.time) -> datetime.datetime | None:  # fmt: skip
    """None when `moment` is inside the window, else the next instant the window opens (the
    shop's local `start`, today or tomorrow), as an aware datetime."""
    local = moment.astimezone(tz)
    if window_contains(local.time(), start, end):
        return None
    opening = datetime.datetime.combine(local.date(), start, tzinfo=tz)
    if opening <= local:
        opening = datetime.datetime.combine(local.date() + datetime.timedelta(days=1), start, tzinfo=tz)
    return opening
