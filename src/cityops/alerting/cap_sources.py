"""What an alert about an incident is made of, read from the store: the incident, its rule
and alert policy, the city (time zone, languages), the station and the area.

The area is, in this order: the imported area named by the rule's policy, a circle of the
policy's radius around the station (the first input datastream's Thing location), the
city's first imported area, a circle around the city's own point.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.cap import Area, circle_area
from cityops.cap.templates import LANGUAGES, names_from_properties
from cityops.errors import InvalidInput, NotFound
from cityops.rules.alert_policy import AlertPolicy
from cityops.rules.units import converter
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
    names: dict[str, str] | None = None  # the city's name per language

    def name_in(self, lang: str) -> str:
        """The city's name in ``lang`` (its own name when none is given)."""
        return (self.names or {}).get(lang) or self.name

    @property
    def local_names(self) -> dict[str, str]:
        """``{"": name, "vi": ...}`` for the templates."""
        return {"": self.name, **(self.names or {})}


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
    station_properties: dict[str, Any] | None = None
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
    names = row.names if isinstance(row.names, dict) else None
    return City(
        row.id,
        row.slug,
        row.name,
        zone_of(row.timezone),
        city_languages(row.languages),
        point,
        {str(k): str(v) for k, v in names.items()} if names else None,
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


def station_of(conn: Connection, config: dict[str, Any]) -> tuple[str | None, Any, Any]:
    """(Thing name, (lat, lon) or None, Thing properties) of the rule's first input
    datastream."""
    inputs = [v for v in (config.get("inputs") or {}).values() if str(v).isdigit()]
    if not inputs:
        return None, None, None
    ds, th, tl, loc = s.datastreams, s.things, s.thing_locations, s.locations
    row = conn.execute(
        select(th.c.id, th.c.name, th.c.properties)
        .join(ds, ds.c.thing_id == th.c.id)
        .where(ds.c.id == int(inputs[0]))
    ).first()
    if row is None:
        return None, None, None
    locs = conn.execute(
        select(loc.c.location)
        .join(tl, tl.c.location_id == loc.c.id)
        .where(tl.c.thing_id == row.id)
        .order_by(loc.c.id)
    )
    for (location,) in locs:
        point = _point_of(location)
        if point is not None:
            return row.name, point, row.properties
    return row.name, None, row.properties


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
    station, point, properties = station_of(conn, config)
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
        properties if isinstance(properties, dict) else None,
        persisted_at=row.persisted_at,
    )


#: Areas of an alert per language: ``""`` the default, else a language code.
LocalAreas = dict[str, Area]


def _local_areas(default: Area, names: dict[str, str] | None) -> LocalAreas:
    """The same area under its name in each language given (``areaDesc`` localized)."""
    out = {"": default}
    for lang, name in (names or {}).items():
        out[lang] = replace(default, area_desc=name)
    return out


def area_by_name(conn: Connection, org_id: int | None, name: str | None) -> LocalAreas | None:
    """An imported area of the city as a CAP area per language (the first area when
    ``name`` is None)."""
    a = s.alert_areas
    q = select(a).where(a.c.org_id == org_id).order_by(a.c.id)
    if name is not None:
        q = q.where(a.c.name == name)
    row = conn.execute(q).first()
    if row is None:
        return None
    area = Area(
        row.description or row.name,
        polygons=tuple(tuple((lat, lon) for lat, lon in poly) for poly in row.polygons),
    )
    return _local_areas(area, row.names if isinstance(row.names, dict) else None)


def alert_area(conn: Connection, facts: Facts) -> LocalAreas:
    """The CAP area of an incident's alert per language (see the module docstring for the
    order); a circle around the station is named "<station>, <city>" in each language."""
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
        area = circle_area(f"{facts.station}, {city.name}", lat, lon, p.radius_km)
        station = local_names(facts.station, facts.station_properties)
        langs = (set(station) | set(city.names or {})) - {""}
        names = {
            lang: f"{station.get(lang, facts.station)}, {city.name_in(lang)}" for lang in langs
        }
        return _local_areas(area, names)
    found = area_by_name(conn, city.id, None)
    if found is not None:
        return found
    if city.point is not None:
        area = circle_area(city.name, city.point[0], city.point[1], p.radius_km)
        return _local_areas(area, city.names)
    raise InvalidInput(
        f"rule {facts.rule_name!r}: no station location, area or city point to place an alert",
        field="alert.area",
    )


#: How a rule's unit is written in alert texts (river texts are written in metres).
UNIT_WORDS = {"Cel": "°C", "[degF]": "°F", "m": "m"}


def local_names(name: str, properties: Any) -> dict[str, str]:
    """``{"": name, "vi": ..., "lo": ...}`` from OSM-style ``name:<lang>`` properties, so
    that texts in Lao say ປາກເຊ where the station or area has its Lao name."""
    return {"": name, **names_from_properties(properties)}


def _rule(facts: Facts) -> Any:
    """The incident's rule as an object (validated config with its defaults, e.g. a heat
    rule's levels in its unit, a rainfall preset's table); None when the type is unknown
    here or the stored config no longer validates (texts then use the stored config)."""
    from cityops.rules import registry

    try:
        return registry.get(facts.rule_type)(facts.config)
    except Exception:  # noqa: BLE001 - texts fall back to the stored config
        return None


def _hours(facts: Facts, rule: Any) -> float:
    """Hours the text speaks of: a rainfall table's first window (the accumulation the
    value is; PAGASA's preset is hourly), else the rule's ``window`` (or a data-quality
    rule's ``max_gap``); 24 when the rule has none."""
    table = getattr(rule, "table", None)
    window = (
        table.criteria[0].window
        if table is not None and table.criteria
        else facts.config.get("window")
        or facts.config.get("hours_window")
        or facts.config.get("max_gap")  # data quality: hours without data
    )
    return round(float(window) / 3600, 1) if isinstance(window, (int, float)) else 24


def _measures(facts: Facts, rule: Any) -> tuple[Any, Any, str]:
    """(value, threshold of the crossed level, unit words) as the texts must quote them:
    river levels in metres, heat indices in the rule's own unit."""
    config = getattr(rule, "config", None)
    raw = facts.config.get("levels")
    levels = dict(getattr(config, "levels", None) or (raw if isinstance(raw, dict) else {}))
    threshold = levels.get(facts.level_name)
    value = facts.last_value
    unit = str(getattr(config, "unit", None) or facts.config.get("unit") or "")
    if facts.rule_type == "river_level" and unit and unit != "m":
        to_m = converter(unit, "m")
        value = None if value is None else float(to_m(np.array([value]))[0])
        threshold = None if threshold is None else float(to_m(np.array([threshold]))[0])
        unit = "m"
    if facts.rule_type == "heat_index":
        value = None if value is None else round(float(value), 1)
        threshold = None if threshold is None else round(float(threshold), 1)
    return value, threshold, UNIT_WORDS.get(unit, unit)


def template_context(facts: Facts) -> dict[str, Any]:
    """Values for the template placeholders ({city}, {station}, {value}, {threshold},
    {unit}, {hours}) and ``level_name``, the crossed level the texts are chosen by."""
    rule = _rule(facts)
    value, threshold, unit = _measures(facts, rule)
    hours = _hours(facts, rule)
    return {
        "city": facts.city.local_names,
        "station": local_names(facts.station, facts.station_properties),
        "value": value if value is not None else "-",
        "threshold": threshold if threshold is not None else "-",
        "unit": unit,
        "hours": hours,
        "level_name": facts.level_name,
    }
