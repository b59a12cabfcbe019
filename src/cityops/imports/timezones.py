"""Time zones of imported timestamps: explicit, never guessed.

``--tz`` takes ``UTC``, a fixed offset (``+07:00``) or an IANA zone (``Asia/Vientiane``).
It applies to timestamps written without an offset; a timestamp that carries one keeps it,
unless the importer was told the offsets are wrong (``override``: the MRC case).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cityops.errors import InvalidInput

_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{1,2})(?::?(\d{2}))?$")
UTC_NAMES = {"utc", "z", "gmt", "+00:00", "+0000", "+00"}

#: Parses one timestamp text into epoch microseconds (UTC); ValueError with a reason.
TimeParser = Callable[[str], int]


def parse_zone(text: str) -> tzinfo:
    """``UTC``, ``+07:00`` / ``UTC+7`` or an IANA zone name; InvalidInput otherwise."""
    value = text.strip()
    if value.lower() in UTC_NAMES:
        return UTC
    m = _OFFSET.match(value)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise InvalidInput(f"tz: offset {text!r} out of range", field="tz")
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"tz: {text!r} is neither UTC, an offset like +07:00 nor an IANA time zone", field="tz"
        ) from None


def offset_of_header(header: str) -> tzinfo | None:
    """The zone named in a column header such as ``Timestamp (UTC+07:00)``."""
    m = re.search(r"UTC\s*([+-]\d{1,2}(?::?\d{2})?)", header)
    return parse_zone(m.group(1)) if m else None


def epoch_us(dt: datetime) -> int:
    """Microseconds since 1970-01-01T00:00Z of an aware datetime (exact)."""
    delta = dt - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_epoch_us(us: int) -> datetime:
    """The aware UTC datetime of epoch microseconds."""
    return _EPOCH + timedelta(microseconds=us)


def iso_parser(zone: tzinfo, *, override: bool = False, fmt: str | None = None) -> TimeParser:
    """A parser of ISO 8601 timestamps (or of ``fmt``, a strptime format, or ``epoch``
    seconds). Naive times are taken in ``zone``; with ``override`` an offset written in the
    text is dropped and the wall time taken in ``zone`` instead."""
    if fmt == "epoch":
        return lambda text: round(float(text) * 1_000_000)
    read = (lambda t: datetime.strptime(t, fmt)) if fmt else _iso

    def parse(text: str) -> int:
        dt = read(text.strip())
        if dt.tzinfo is None or override:
            dt = dt.replace(tzinfo=zone)
        return epoch_us(dt)

    return parse


def _iso(text: str) -> datetime:
    if not text:
        raise ValueError("empty timestamp")
    return datetime.fromisoformat(text)
