"""CAP ``Info`` blocks as JSON (the editable draft of an alert) and back.

The JSON keeps the model's snake-case field names; enumerations are their CAP strings,
times ISO 8601 with offset, polygons lists of ``[lat, lon]``, circles ``[lat, lon, km]``,
value pairs ``[name, value]``. Decoding goes through the model's own checks.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from enum import Enum
from typing import Any

from cityops.cap.model import Area, Info, Resource
from cityops.errors import InvalidInput

#: Fields of an info block an operator may edit per language before issue.
EDITABLE = ("event", "headline", "description", "instruction", "audience", "contact", "sender_name")
_TIMES = ("effective", "onset", "expires")


def _plain(value: Any) -> Any:
    """Enums to their values, tuples to lists, datetimes to ISO text (recursively)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _record(obj: Any) -> dict[str, Any]:
    return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}


def info_to_json(info: Info) -> dict[str, Any]:
    """One info block as a JSON-ready dict."""
    doc = _record(info)
    doc["areas"] = [_record(a) for a in info.areas]
    doc["resources"] = [_record(r) for r in info.resources]
    return doc


def _time(value: Any, name: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{name}: {value!r} is not an ISO 8601 time", field=name) from None


def info_from_json(doc: dict[str, Any]) -> Info:
    """An :class:`Info` from :func:`info_to_json` output (``InvalidInput`` when malformed)."""
    if not isinstance(doc, dict):
        raise InvalidInput("an info block must be an object", field="infos")
    known = {f.name for f in fields(Info)}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise InvalidInput(f"unknown info field {unknown[0]!r}", field=f"infos.{unknown[0]}")
    values = dict(doc)
    for name in _TIMES:
        values[name] = _time(values.get(name), name)
    try:
        values["areas"] = tuple(Area(**a) for a in values.get("areas", ()))
        values["resources"] = tuple(Resource(**r) for r in values.get("resources", ()))
        return Info(**values)
    except TypeError as exc:
        raise InvalidInput(f"malformed info block: {exc}", field="infos") from None


def edit_info(doc: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply an operator's text edits to one info JSON; only :data:`EDITABLE` fields."""
    if not isinstance(changes, dict):
        raise InvalidInput("body: must be a JSON object", field="body")
    for key, value in changes.items():
        if key not in EDITABLE:
            raise InvalidInput(f"{key}: not editable (editable: {', '.join(EDITABLE)})", field=key)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"{key}: must be a string", field=key)
    return {**doc, **changes}
