"""Read CAP 1.2 (and 1.1) XML into the model, through the hardened parser."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from lxml import etree

from cityops.cap.document import READ_NAMESPACES, parse_time
from cityops.cap.model import (
    Alert,
    Area,
    Category,
    Certainty,
    Circle,
    Info,
    MsgType,
    Polygon,
    Resource,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
    ValuePair,
    coerce_enum,
)
from cityops.errors import InvalidInput
from cityops.safexml import parse_untrusted

_E = TypeVar("_E", bound=StrEnum)


def parse_polygon(text: str, field: str = "polygon") -> Polygon:
    """Parse CAP polygon text (``lat,lon lat,lon ...``) into (lat, lon) pairs."""
    points = []
    for pair in text.split():
        try:
            lat, lon = (float(x) for x in pair.split(","))
        except ValueError:
            raise InvalidInput(f"{pair!r} is not a lat,lon pair", field=field) from None
        points.append((lat, lon))
    return tuple(points)


def parse_circle(text: str, field: str = "circle") -> Circle:
    """Parse CAP circle text (``lat,lon radius_km``)."""
    try:
        centre, radius = text.split()
        lat, lon = (float(x) for x in centre.split(","))
        return Circle(lat, lon, float(radius))
    except ValueError:
        raise InvalidInput(f"{text!r} is not 'lat,lon radius_km'", field=field) from None


class _Reader:
    """Reads children of one CAP element, whatever the CAP namespace of the document."""

    def __init__(self, el: etree._Element, ns: str, path: str) -> None:
        self.el, self.ns, self.path = el, ns, path

    def all(self, tag: str) -> list[etree._Element]:
        found: list[etree._Element] = self.el.findall(f"{{{self.ns}}}{tag}")
        return found

    def texts(self, tag: str) -> list[str]:
        return [(c.text or "").strip() for c in self.all(tag)]

    def text(self, tag: str, required: bool = False) -> str | None:
        found = self.el.find(f"{{{self.ns}}}{tag}")
        if found is None:
            if required:
                raise InvalidInput(f"missing <{tag}>", field=f"{self.path}.{tag}")
            return None
        return (found.text or "").strip()

    def time(self, tag: str, required: bool = False) -> datetime | None:
        text = self.text(tag, required)
        return None if text is None else parse_time(text, f"{self.path}.{tag}")

    def number(self, tag: str) -> float | None:
        text = self.text(tag)
        try:
            return None if text is None else float(text)
        except ValueError:
            raise InvalidInput(f"{text!r} is not a number", field=f"{self.path}.{tag}") from None

    def enum(self, kind: type[_E], tag: str) -> _E:
        """A required enumerated child, coerced (InvalidInput names the field)."""
        return coerce_enum(kind, self.text(tag, required=True), f"{self.path}.{tag}")

    def enums(self, kind: type[_E], tag: str) -> tuple[_E, ...]:
        """Repeated enumerated children."""
        return tuple(coerce_enum(kind, t, f"{self.path}.{tag}") for t in self.texts(tag))

    def pairs(self, tag: str) -> tuple[ValuePair, ...]:
        out = []
        for child in self.all(tag):
            sub = _Reader(child, self.ns, f"{self.path}.{tag}")
            out.append(ValuePair(sub.text("valueName") or "", sub.text("value") or ""))
        return tuple(out)

    def child(self, el: etree._Element, path: str) -> _Reader:
        return _Reader(el, self.ns, path)


def _area(r: _Reader) -> Area:
    return Area(
        area_desc=r.text("areaDesc", required=True) or "",
        polygons=tuple(parse_polygon(t, f"{r.path}.polygon") for t in r.texts("polygon")),
        circles=tuple(parse_circle(t, f"{r.path}.circle") for t in r.texts("circle")),
        geocodes=r.pairs("geocode"),
        altitude=r.number("altitude"),
        ceiling=r.number("ceiling"),
    )


def _resource(r: _Reader) -> Resource:
    size = r.number("size")
    return Resource(
        r.text("resourceDesc") or "",
        r.text("mimeType") or "",
        None if size is None else int(size),
        r.text("uri"),
        r.text("derefUri"),
        r.text("digest"),
    )


def _info(r: _Reader) -> Info:
    return Info(
        language=r.text("language") or "en-US",
        category=r.enums(Category, "category"),
        event=r.text("event", required=True) or "",
        response_type=r.enums(ResponseType, "responseType"),
        urgency=r.enum(Urgency, "urgency"),
        severity=r.enum(Severity, "severity"),
        certainty=r.enum(Certainty, "certainty"),
        audience=r.text("audience"),
        event_code=r.pairs("eventCode"),
        effective=r.time("effective"),
        onset=r.time("onset"),
        expires=r.time("expires"),
        sender_name=r.text("senderName"),
        headline=r.text("headline"),
        description=r.text("description"),
        instruction=r.text("instruction"),
        web=r.text("web"),
        contact=r.text("contact"),
        parameters=r.pairs("parameter"),
        resources=tuple(_resource(r.child(e, f"{r.path}.resource")) for e in r.all("resource")),
        areas=tuple(_area(r.child(e, f"{r.path}.areas[{i}]")) for i, e in enumerate(r.all("area"))),
    )


def element_to_alert(root: etree._Element) -> Alert:
    """Convert a parsed ``<alert>`` element into an :class:`Alert`."""
    ns = etree.QName(root).namespace
    if etree.QName(root).localname != "alert" or ns not in READ_NAMESPACES:
        raise InvalidInput(f"root element is {root.tag!r}, not a CAP alert", field="alert")
    r = _Reader(root, ns, "alert")
    try:
        return Alert(
            identifier=r.text("identifier", required=True) or "",
            sender=r.text("sender", required=True) or "",
            sent=r.time("sent", required=True),  # type: ignore[arg-type]
            status=r.enum(Status, "status"),
            msg_type=r.enum(MsgType, "msgType"),
            scope=r.enum(Scope, "scope"),
            references=tuple((r.text("references") or "").split()),
            note=r.text("note"),
            source=r.text("source"),
            restriction=r.text("restriction"),
            addresses=r.text("addresses"),
            codes=tuple(r.texts("code")),
            incidents=r.text("incidents"),
            infos=tuple(_info(r.child(e, f"infos[{i}]")) for i, e in enumerate(r.all("info"))),
        )
    except InvalidInput:
        raise
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"cannot read CAP alert: {exc}", field="alert") from None


def parse_alert(data: bytes) -> Alert:
    """Parse an untrusted CAP document (bytes) into an :class:`Alert` (hardened parser)."""
    return element_to_alert(parse_untrusted(data, field="cap"))
