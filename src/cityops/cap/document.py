"""CAP 1.2 XML: build a document from the model (schema order) and parse one back (hardened)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from lxml import etree

from cityops.cap.model import CAP_NS, Alert, Area, Circle, Info, Polygon, Resource, ValuePair
from cityops.errors import InvalidInput
from cityops.limits import check_year

#: Namespaces accepted when reading (CAP 1.1 feeds are still common; 1.2 is always written).
READ_NAMESPACES = (CAP_NS, "urn:oasis:names:tc:emergency:cap:1.1")
_TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")


# --- times and numbers -------------------------------------------------------------------


def format_time(value: datetime, field: str = "time") -> str:
    """Write a CAP time: local offset, whole seconds, UTC as ``-00:00`` (never ``Z``)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("time must carry a UTC offset", field=field)
    text = value.replace(microsecond=0).isoformat(timespec="seconds")
    if text.endswith("+00:00"):
        text = text[:-6] + "-00:00"
    if not _TIME_RE.match(text):  # offsets with seconds (historic LMT zones) are not CAP
        raise InvalidInput(f"cannot write {value!r} as a CAP time", field=field)
    return text


def parse_time(text: str, field: str = "time") -> datetime:
    """Read a CAP time (``YYYY-MM-DDThh:mm:ss+hh:mm``); ``-00:00`` is UTC."""
    text = text.strip()
    if not _TIME_RE.match(text):
        raise InvalidInput(f"{text!r} is not a CAP time (YYYY-MM-DDThh:mm:ss+hh:mm)", field=field)
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{text!r}: {exc}", field=field) from None
    check_year(value, field)
    return value


def local_time(value: datetime, utc_offset: str | timedelta) -> datetime:
    """Express an aware datetime at a fixed local offset such as ``"+07:00"``."""
    if isinstance(utc_offset, str):
        sign = -1 if utc_offset.startswith("-") else 1
        hours, minutes = utc_offset.lstrip("+-").split(":")
        utc_offset = sign * timedelta(hours=int(hours), minutes=int(minutes))
    return value.astimezone(timezone(utc_offset)).replace(microsecond=0)


def format_coord(value: float) -> str:
    """A coordinate with at most 6 decimals and no trailing zeros."""
    text = f"{round(value, 6):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_polygon(points: Polygon) -> str:
    """CAP polygon text: space-separated ``lat,lon`` pairs."""
    return " ".join(f"{format_coord(lat)},{format_coord(lon)}" for lat, lon in points)


def format_circle(circle: Circle) -> str:
    """CAP circle text: ``lat,lon radius_km``."""
    return f"{format_coord(circle.lat)},{format_coord(circle.lon)} {format_coord(circle.radius_km)}"


# --- building ----------------------------------------------------------------------------


def _q(tag: str) -> str:
    return f"{{{CAP_NS}}}{tag}"


def _add(parent: etree._Element, tag: str, text: str | None) -> None:
    """Append ``<tag>text</tag>`` when text is not None."""
    if text is not None:
        etree.SubElement(parent, _q(tag)).text = text


def _add_pairs(parent: etree._Element, tag: str, pairs: Iterable[ValuePair]) -> None:
    for pair in pairs:
        el = etree.SubElement(parent, _q(tag))
        _add(el, "valueName", pair.name)
        _add(el, "value", pair.value)


def _num(value: float | None) -> str | None:
    return None if value is None else format(value, "g") if isinstance(value, float) else str(value)


def _area_element(parent: etree._Element, area: Area) -> None:
    el = etree.SubElement(parent, _q("area"))
    _add(el, "areaDesc", area.area_desc)
    for polygon in area.polygons:
        _add(el, "polygon", format_polygon(polygon))
    for circle in area.circles:
        _add(el, "circle", format_circle(circle))
    _add_pairs(el, "geocode", area.geocodes)
    _add(el, "altitude", _num(area.altitude))
    _add(el, "ceiling", _num(area.ceiling))


def _resource_element(parent: etree._Element, res: Resource) -> None:
    el = etree.SubElement(parent, _q("resource"))
    for tag, value in (
        ("resourceDesc", res.resource_desc),
        ("mimeType", res.mime_type),
        ("size", _num(res.size)),
        ("uri", res.uri),
        ("derefUri", res.deref_uri),
        ("digest", res.digest),
    ):
        _add(el, tag, value)


def _info_element(parent: etree._Element, info: Info, n: int) -> None:
    el = etree.SubElement(parent, _q("info"))
    _add(el, "language", info.language)
    for cat in info.category:
        _add(el, "category", cat.value)
    _add(el, "event", info.event)
    for rt in info.response_type:
        _add(el, "responseType", rt.value)
    _add(el, "urgency", info.urgency.value)
    _add(el, "severity", info.severity.value)
    _add(el, "certainty", info.certainty.value)
    _add(el, "audience", info.audience)
    _add_pairs(el, "eventCode", info.event_code)
    for tag in ("effective", "onset", "expires"):
        value = getattr(info, tag)
        if value is not None:
            _add(el, tag, format_time(value, f"infos[{n}].{tag}"))
    for tag, value in (
        ("senderName", info.sender_name),
        ("headline", info.headline),
        ("description", info.description),
        ("instruction", info.instruction),
        ("web", info.web),
        ("contact", info.contact),
    ):
        _add(el, tag, value)
    _add_pairs(el, "parameter", info.parameters)
    for res in info.resources:
        _resource_element(el, res)
    for area in info.areas:
        _area_element(el, area)


def alert_to_element(alert: Alert) -> etree._Element:
    """Build the ``<alert>`` element of ``alert`` with its children in schema order."""
    root = etree.Element(_q("alert"), nsmap={None: CAP_NS})
    for tag, value in (
        ("identifier", alert.identifier),
        ("sender", alert.sender),
        ("sent", format_time(alert.sent, "sent")),
        ("status", alert.status.value),
        ("msgType", alert.msg_type.value),
        ("source", alert.source),
        ("scope", alert.scope.value),
        ("restriction", alert.restriction),
        ("addresses", alert.addresses),
    ):
        _add(root, tag, value)
    for code in alert.codes:
        _add(root, "code", code)
    _add(root, "note", alert.note)
    _add(root, "references", " ".join(alert.references) if alert.references else None)
    _add(root, "incidents", alert.incidents)
    for n, info in enumerate(alert.infos):
        _info_element(root, info, n)
    return root


def build_alert_xml(alert: Alert, *, pretty: bool = True) -> bytes:
    """Serialise ``alert`` as a UTF-8 CAP 1.2 document with an XML declaration."""
    data: bytes = etree.tostring(
        alert_to_element(alert), xml_declaration=True, encoding="UTF-8", pretty_print=pretty
    )
    return data
