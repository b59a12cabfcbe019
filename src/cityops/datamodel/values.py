"""Parsing and formatting of SensorThings values: times, intervals, geometries, results.

Every parser raises ``InvalidInput`` naming the field and the reason.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

import shapely
from shapely.geometry import shape

from cityops.errors import InvalidInput
from cityops.limits import check_year

# ISO 8601 extended format with a mandatory offset: Z or +hh:mm (never +hhmm).
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$")
_FRACTION = re.compile(r"\.(\d+)")
GEOJSON_TYPES = {"application/geo+json", "application/vnd.geo+json", "application/json"}


def parse_time(value: Any, field: str) -> datetime:
    """An ISO 8601 date-time with an offset, as an aware UTC datetime."""
    if not isinstance(value, str) or not _TIME.match(value):
        raise InvalidInput(
            f"{field}: {value!r} is not an ISO 8601 date-time with offset "
            "(e.g. 2024-05-01T07:00:00+07:00)",
            field=field,
        )
    text = value
    frac = _FRACTION.search(text) if "." in text else None
    if frac and len(frac.group(1)) > 6:  # Python keeps microseconds
        text = text.replace(frac.group(0), "." + frac.group(1)[:6])
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"{field}: {value!r}: {exc}", field=field) from None
    check_year(parsed, field)
    return parsed.astimezone(UTC)


def parse_interval(value: Any, field: str) -> tuple[datetime, datetime | None]:
    """An instant or an interval ``start/end``: (start, end or None)."""
    if isinstance(value, str) and "/" in value:
        start_text, _, end_text = value.partition("/")
        start, end = parse_time(start_text, field), parse_time(end_text, field)
        if end < start:
            raise InvalidInput(f"{field}: interval {value!r} ends before it starts", field=field)
        return start, end
    return parse_time(value, field), None


def format_time(value: datetime | None) -> str | None:
    """UTC, ISO 8601 with ``Z``; milliseconds only when present."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    if value.microsecond:
        text = value.strftime("%Y-%m-%dT%H:%M:%S.%f")
        text = text[:-3] if text.endswith("000") else text
        return text + "Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def format_interval(start: datetime | None, end: datetime | None) -> str | None:
    if start is None:
        return None
    if end is None or end == start:
        return format_time(start)
    return f"{format_time(start)}/{format_time(end)}"


def geometry_of(value: Any, field: str) -> tuple[str, tuple[float, float, float, float]]:
    """GeoJSON geometry (or Feature) -> (WKT, bbox). Raises InvalidInput if invalid."""
    if not isinstance(value, dict):
        raise InvalidInput(f"{field}: must be a GeoJSON object", field=field)
    geom_json = value.get("geometry") if value.get("type") == "Feature" else value
    try:
        geom = shape(geom_json)
    except Exception as exc:  # shapely raises several types for bad GeoJSON
        raise InvalidInput(f"{field}: not a valid GeoJSON geometry ({exc})", field=field) from None
    if geom.is_empty:
        raise InvalidInput(f"{field}: empty geometry", field=field)
    minx, miny, maxx, maxy = geom.bounds
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InvalidInput(f"{field}: coordinates must be finite numbers", field=field)
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput(f"{field}: coordinates outside lon -180..180, lat -90..90", field=field)
    return shapely.to_wkt(geom, rounding_precision=-1), (minx, miny, maxx, maxy)


def split_result(value: Any) -> tuple[float | None, Any]:
    """Numbers go to result_number; any other JSON value to result_json."""
    if isinstance(value, bool) or value is None:
        return None, value
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise InvalidInput("result: must be a finite number", field="result")
        return float(value), None
    return None, value


def join_result(number: float | None, other: Any) -> Any:
    """The stored result as JSON: integers stay integers."""
    if number is None:
        return other
    return int(number) if number.is_integer() and abs(number) < 2**53 else number
