"""Typed, immutable model of an OASIS CAP 1.2 alert.

Every class is a frozen dataclass holding tuples, so an issued alert cannot be edited in place:
a change is a new object (``dataclasses.replace``) and, once published, a new message
(see :mod:`cityops.cap.identifiers`). Field names follow CAP in snake case; enumerated values
are ``StrEnum`` members, so they compare equal to the CAP strings ("Actual", "Met", ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from cityops.errors import InvalidInput

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_MIME = "application/cap+xml"


class Status(StrEnum):
    """``alert/status``."""

    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    SYSTEM = "System"
    TEST = "Test"
    DRAFT = "Draft"


class MsgType(StrEnum):
    """``alert/msgType``."""

    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"
    ACK = "Ack"
    ERROR = "Error"


class Scope(StrEnum):
    """``alert/scope``."""

    PUBLIC = "Public"
    RESTRICTED = "Restricted"
    PRIVATE = "Private"


class Category(StrEnum):
    """``info/category``."""

    GEO = "Geo"
    MET = "Met"
    SAFETY = "Safety"
    SECURITY = "Security"
    RESCUE = "Rescue"
    FIRE = "Fire"
    HEALTH = "Health"
    ENV = "Env"
    TRANSPORT = "Transport"
    INFRA = "Infra"
    CBRNE = "CBRNE"
    OTHER = "Other"


class ResponseType(StrEnum):
    """``info/responseType``."""

    SHELTER = "Shelter"
    EVACUATE = "Evacuate"
    PREPARE = "Prepare"
    EXECUTE = "Execute"
    AVOID = "Avoid"
    MONITOR = "Monitor"
    ASSESS = "Assess"
    ALL_CLEAR = "AllClear"
    NONE = "None"


class Urgency(StrEnum):
    """``info/urgency``."""

    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class Severity(StrEnum):
    """``info/severity``."""

    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"


class Certainty(StrEnum):
    """``info/certainty``."""

    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"


class ValuePair(NamedTuple):
    """A ``valueName``/``value`` pair (eventCode, parameter, geocode)."""

    name: str
    value: str


class Circle(NamedTuple):
    """A CAP circle: centre in WGS 84 degrees and radius in kilometres."""

    lat: float
    lon: float
    radius_km: float


LatLon = tuple[float, float]
Polygon = tuple[LatLon, ...]

_E = TypeVar("_E", bound=StrEnum)
_FORBIDDEN_ID_CHARS = re.compile(r"[\s,<&]")


def coerce_enum(kind: type[_E], value: Any, name: str) -> _E:
    """Coerce a string to a CAP enumeration, naming the field when it is not one."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidInput(f"{value!r} is not one of: {allowed}", field=name) from None


def _enums(kind: type[_E], values: Any, name: str) -> tuple[_E, ...]:
    """Coerce one string or an iterable of strings to a tuple of enumeration members."""
    if isinstance(values, str):
        values = (values,)
    return tuple(coerce_enum(kind, v, name) for v in values)


def _pairs(values: Iterable[Any], name: str) -> tuple[ValuePair, ...]:
    """Coerce (name, value) pairs or a mapping to a tuple of :class:`ValuePair`."""
    if isinstance(values, dict):
        values = values.items()
    out = []
    for item in values:
        try:
            key, val = item
        except (TypeError, ValueError):
            raise InvalidInput(
                f"expected (valueName, value) pairs, got {item!r}", field=name
            ) from None
        out.append(ValuePair(str(key), str(val)))
    return tuple(out)


def _aware(value: datetime | None, name: str) -> datetime | None:
    """Reject naive datetimes (a CAP time carries its offset); drop fractional seconds."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise InvalidInput(f"expected a datetime, got {value!r}", field=name)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("time must carry a UTC offset (timezone-aware datetime)", field=name)
    return value.replace(microsecond=0)


def check_token(value: str, name: str) -> None:
    """Check an identifier or sender: non-empty, no whitespace, comma, '<' or '&'."""
    if not value or _FORBIDDEN_ID_CHARS.search(value):
        raise InvalidInput("must be non-empty without spaces, commas, '<' or '&'", field=name)


def _set(obj: object, name: str, value: Any) -> None:
    """Assign during ``__post_init__`` of a frozen dataclass (normalisation only)."""
    object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class Resource:
    """``info/resource``: a file that accompanies the message."""

    resource_desc: str
    mime_type: str
    size: int | None = None
    uri: str | None = None
    deref_uri: str | None = None
    digest: str | None = None


@dataclass(frozen=True)
class Area:
    """``info/area``: polygons are tuples of (lat, lon) pairs, circles :class:`Circle`."""

    area_desc: str
    polygons: tuple[Polygon, ...] = ()
    circles: tuple[Circle, ...] = ()
    geocodes: tuple[ValuePair, ...] = ()
    altitude: float | None = None
    ceiling: float | None = None

    def __post_init__(self) -> None:
        _set(
            self,
            "polygons",
            tuple(tuple((float(a), float(b)) for a, b in p) for p in self.polygons),
        )
        _set(self, "circles", tuple(Circle(*(float(x) for x in c)) for c in self.circles))
        _set(self, "geocodes", _pairs(self.geocodes, "geocodes"))


@dataclass(frozen=True)
class Info:
    """``alert/info``: one language block of an alert."""

    language: str = "en-US"
    category: tuple[Category, ...] = (Category.MET,)
    event: str = ""
    response_type: tuple[ResponseType, ...] = ()
    urgency: Urgency = Urgency.UNKNOWN
    severity: Severity = Severity.UNKNOWN
    certainty: Certainty = Certainty.UNKNOWN
    audience: str | None = None
    event_code: tuple[ValuePair, ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: tuple[ValuePair, ...] = ()
    resources: tuple[Resource, ...] = ()
    areas: tuple[Area, ...] = ()

    def __post_init__(self) -> None:
        _set(self, "category", _enums(Category, self.category, "category"))
        _set(self, "response_type", _enums(ResponseType, self.response_type, "response_type"))
        _set(self, "urgency", coerce_enum(Urgency, self.urgency, "urgency"))
        _set(self, "severity", coerce_enum(Severity, self.severity, "severity"))
        _set(self, "certainty", coerce_enum(Certainty, self.certainty, "certainty"))
        _set(self, "event_code", _pairs(self.event_code, "event_code"))
        _set(self, "parameters", _pairs(self.parameters, "parameters"))
        _set(self, "resources", tuple(self.resources))
        _set(self, "areas", tuple(self.areas))
        for name in ("effective", "onset", "expires"):
            _set(self, name, _aware(getattr(self, name), name))


@dataclass(frozen=True)
class Alert:
    """``alert``: the message. ``references`` holds ``sender,identifier,sent`` triplets."""

    identifier: str
    sender: str
    sent: datetime
    status: Status = Status.ACTUAL
    msg_type: MsgType = MsgType.ALERT
    scope: Scope = Scope.PUBLIC
    references: tuple[str, ...] = ()
    note: str | None = None
    infos: tuple[Info, ...] = ()
    source: str | None = None
    restriction: str | None = None
    addresses: str | None = None
    codes: tuple[str, ...] = field(default=())
    incidents: str | None = None

    def __post_init__(self) -> None:
        check_token(self.identifier, "identifier")
        check_token(self.sender, "sender")
        if self.sent is None:
            raise InvalidInput("sent is required", field="sent")
        _set(self, "sent", _aware(self.sent, "sent"))
        _set(self, "status", coerce_enum(Status, self.status, "status"))
        _set(self, "msg_type", coerce_enum(MsgType, self.msg_type, "msg_type"))
        _set(self, "scope", coerce_enum(Scope, self.scope, "scope"))
        refs = (
            self.references.split() if isinstance(self.references, str) else tuple(self.references)
        )
        _set(self, "references", tuple(refs))
        _set(self, "codes", tuple(self.codes))
        _set(self, "infos", tuple(self.infos))
