"""What an alert about an incident is made of, read from the store: the incident, its rule
and alert policy, the city (time zone, languages), the station and the area.

The area is, in this order: the imported area named by the rule's policy, a circle of the
policy's radius around the station (the first input datastream's Thing location), the
city's first imported area, a circle around the city's own point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.cap import Area, circle_area
from cityops.cap.templates import LANGUAGES
from cityops.errors import InvalidInput, NotFound
from cityops.rules.alert_policy import AlertPolicy
from cityops.store import schema as s

_TEMPLATE_LEVEL = {
    "Minor": "moderate",
    "Moderate": "moderate",
    "Severe": "severe",
    "Extreme": "extreme",
}


@dataclass(frozen=True)
class City:
    """The organisation an alert speaks for."""

    id: int | None
    slug: str
    name: str
    zone: ZoneInfo
    languages: tuple[str, ...]
    point: tuple[float, float] | None  # (lat, lon)


@dataclass(frozen=True)
class Facts:
    """One incident with everything its alert texts and area need."""

    incident_id: int
    state: str
    level: int
    level_name: str
    severity: str
    last_value: float | None
    origin: str
    rule_type: str
    rule_name: str
    config: dict[str, Any]
    policy: AlertPolicy
    city: City
    station: str
    station_point: tuple[float, float] | None
    persisted_at: datetime | None = None  # the condition lasted long enough to go public

    @property
    def template_level(self) -> str | None:
        """moderate / severe / extreme from the incident's CAP severity (None: Unknown)."""
        return _TEMPLATE_LEVEL.get(self.severity)


def zone_of(name: str | None) -> ZoneInfo:
    """The IANA zone of a city (UTC when unset or unknown)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def city_languages(languages: Any) -> tuple[str, ...]:
    """English first, then the city's languages that have templates (``vi``, ``th`` ...)."""
    out = ["en"]
    for lang in languages or ():
        key = str(lang).replace("_", "-").split("-")[0].lower()
        if key in LANGUAGES and key not in out:
            out.append(key)
    return tuple(out)


def load_city(conn: Connection, org_id: int | None) -> City:
    """The organisation ``org_id`` as a :class:`City` (a neutral one when None)."""
    o = s.organisations
    row = None if org_id is None else conn.execute(select(o).where(o.c.id == org_id)).first()
    if row is None:
        return City(None, "cityops", "CityOps", ZoneInfo("UTC"), ("en",), None)
    point = (row.lat, row.lon) if row.lat is not None and row.lon is not None else None
    return City(
        row.id, row.slug, row.name, zone_of(row.timezone), city_languages(row.languages), point
    )


def _point_of(location: Any) -> tuple[float, float] | None:
    """(lat, lon) of a GeoJSON Point (or Feature with a Point) location."""
    geom = (
        location.get("geometry")
        if isinstance(location, dict) and location.get("type") == "Feature"
        else location
    )
    if isinstance(geom, dict) and geom.get("type") == "Point":
        coords = geom.get("coordinates") or []
        if len(coords) >= 2:
            return float(coords[1]), float(coords[0])
    return None


def station_of(conn: Connection, config: dict[str, Any]) -> tuple[str | None, Any]:
    """(Thing name, (lat, lon) or None) of the rule's first input datastream."""
    inputs = [v for v in (config.get("inputs") or {}).values() if str(v).isdigit()]
    if not inputs:
        return None, None
    ds, th, tl, loc = s.datastreams, s.things, s.thing_locations, s.locations
    row = conn.execute(
        select(th.c.id, th.c.name)
        .join(ds, ds.c.thing_id == th.c.id)
        .where(ds.c.id == int(inputs[0]))
    ).first()
    if row is None:
        return None, None
    locs = conn.execute(
        select(loc.c.location)
        .join(tl, tl.c.location_id == loc.c.id)
        .where(tl.c.thing_id == row.id)
        .order_by(loc.c.id)
    )
    for (location,) in locs:
        point = _point_of(location)
        if point is not None:
            return row.name, point
    return row.name, None


def load_facts(conn: Connection, incident_id: int) -> Facts:
    """Everything about incident ``incident_id`` (NotFound when it is gone)."""
    i, r = s.incidents, s.rules
    row = conn.execute(
        select(i, r.c.type, r.c.name.label("rule_name"), r.c.config)
        .join(r, r.c.id == i.c.rule_id)
        .where(i.c.id == incident_id)
    ).first()
    if row is None:
        raise NotFound(f"no incident {incident_id}")
    config = dict(row.config or {})
    policy = AlertPolicy.model_validate(config.get("alert") or {})
    station, point = station_of(conn, config)
    return Facts(
        int(row.id),
        row.state,
        int(row.level),
        row.level_name,
        row.severity,
        row.last_value,
        row.origin,
        row.type,
        row.rule_name,
        config,
        policy,
        load_city(conn, row.org_id),
        station or row.subject,
        point,
        persisted_at=row.persisted_at,
    )


def area_by_name(conn: Connection, org_id: int | None, name: str | None) -> Area | None:
    """An imported area of the city as a CAP area (the first one when ``name`` is None)."""
    a = s.alert_areas
    q = select(a).where(a.c.org_id == org_id).order_by(a.c.id)
    if name is not None:
        q = q.where(a.c.name == name)
    row = conn.execute(q).first()
    if row is None:
        return None
    return Area(
        row.description or row.name,
        polygons=tuple(tuple((lat, lon) for lat, lon in poly) for poly in row.polygons),
    )


def alert_area(conn: Connection, facts: Facts) -> Area:
    """The CAP area of an incident's alert (see the module docstring for the order)."""
    p, city = facts.policy, facts.city
    if p.area:
        found = area_by_name(conn, city.id, p.area)
        if found is None:
            raise InvalidInput(
                f"rule {facts.rule_name!r}: alert.area: no area {p.area!r} "
                f"imported for {city.slug}",
                field="alert.area",
            )
        return found
    if facts.station_point is not None:
        lat, lon = facts.station_point
        return circle_area(f"{facts.station}, {city.name}", lat, lon, p.radius_km)
    found = area_by_name(conn, city.id, None)
    if found is not None:
        return found
    if city.point is not None:
        return circle_area(city.name, city.point[0], city.point[1], p.radius_km)
    raise InvalidInput(
        f"rule {facts.rule_name!r}: no station location, area or city point to place an alert",
        field="alert.area",
    )


def template_context(facts: Facts) -> dict[str, Any]:
    """Values for the template placeholders ({city}, {station}, {value} ...)."""
    levels = facts.config.get("levels") if isinstance(facts.config.get("levels"), dict) else {}
    threshold = levels.get(facts.level_name, "-") if levels else "-"
    window = facts.config.get("window") or facts.config.get("hours_window")
    hours = round(float(window) / 3600, 1) if isinstance(window, (int, float)) else 24
    value = facts.last_value if facts.last_value is not None else "-"
    return {
        "city": facts.city.name,
        "station": facts.station,
        "value": value,
        "threshold": threshold,
        "hours": hours,
    }
