"""The inputs of an exposure: the organisation's layers and the area of an alert or
incident, read from the store.

Layers are the organisation's datasets tagged with the keyword ``wards`` (polygons with
numeric ``population`` and ``households``) or ``facilities`` (``kind`` shelter, hospital
or school; optional ``name``, ``capacity``, ``synthetic``) or ``flood_extent`` (a station's
level-to-area table: polygons with ``level`` and ``datastream`` or ``station``). An alert's
area is the union of the CAP polygons and circles of its info blocks; an incident's is the
flood extent at its level where its station has a table, else that of its latest alert.
No layers or no area: no exposure (``None``), never a guess.
"""

from __future__ import annotations

import math
from typing import Any

import shapely
from shapely import affinity
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.alerting import cap_sources
from cityops.alerting.downstream import STATION_ROLE
from cityops.errors import InvalidInput
from cityops.exposure.compute import KINDS, Facility, Layers, Ward, exposure
from cityops.rules.alert_policy import AlertPolicy
from cityops.store import schema as s

WARDS, FACILITIES, FLOOD_EXTENT = "wards", "facilities", "flood_extent"
KM_PER_DEGREE = 111.195


def _features(conn: Connection, org_id: int, keyword: str) -> list[tuple[Any, BaseGeometry]]:
    d, f = s.datasets, s.dataset_features
    ids = [
        r.id
        for r in conn.execute(select(d.c.id, d.c.keywords).where(d.c.org_id == org_id))
        if keyword in (r.keywords or [])
    ]
    if not ids:
        return []
    rows = conn.execute(
        select(f.c.properties, f.c.geom).where(f.c.dataset_id.in_(ids)).order_by(f.c.id)
    )
    return [(r.properties or {}, shapely.from_wkt(r.geom)) for r in rows if r.geom]


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _count(value: Any) -> float:
    """A ward's population or households; NaN (no figure) when absent or not a number."""
    if isinstance(value, str):
        try:
            return float(value)  # CSV columns arrive as text
        except ValueError:
            return math.nan
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    )


def _flag(value: Any) -> bool:
    """``synthetic`` as written in GeoJSON (true) or CSV ("true", "yes", "1")."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return value is True or value == 1


def load_layers(conn: Connection, org_id: int) -> Layers | None:
    wards = [
        Ward(str(p.get("name", "")), g, _count(p.get("population")), _count(p.get("households")))
        for p, g in _features(conn, org_id, WARDS)
        if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    facilities = [
        Facility(
            str(p.get("name", "")),
            str(p.get("kind", "")).lower(),
            g,
            _number(p["capacity"]) if p.get("capacity") is not None else None,
            _flag(p.get("synthetic")),
        )
        for p, g in _features(conn, org_id, FACILITIES)
        if str(p.get("kind", "")).lower() in KINDS
    ]
    if not wards and not facilities:
        return None
    return Layers(wards, facilities)


def area_of_infos(infos: list[dict[str, Any]]) -> BaseGeometry | None:
    """The union of the CAP areas (polygons as lat,lon; circles as lat,lon radius-km)."""
    parts: list[BaseGeometry] = []
    for info in infos or []:
        for area in info.get("areas", []):
            for ring in area.get("polygons", []):
                if len(ring) >= 4:
                    parts.append(shapely.Polygon([(lon, lat) for lat, lon in ring]).buffer(0))
            for circle in area.get("circles", []):
                lat, lon, radius = circle[:3]
                disc = shapely.Point(lon, lat).buffer(radius / KM_PER_DEGREE, quad_segs=16)
                scale = 1 / max(math.cos(math.radians(lat)), 0.01)
                parts.append(affinity.scale(disc, xfact=scale, yfact=1.0))
    parts = [p for p in parts if not p.is_empty]
    return shapely.union_all(parts) if parts else None


def for_alert(conn: Connection, doc: dict[str, Any]) -> dict[str, Any] | None:
    """The exposure of an alert document (``alert_json``)."""
    area = area_of_infos(doc.get("infos") or [])
    if area is None or doc.get("org_id") is None:
        return None
    layers = load_layers(conn, int(doc["org_id"]))
    return exposure(layers, area) if layers else None


def flood_extent(
    conn: Connection, org_id: int, station_ds: int, level: float
) -> BaseGeometry | None:
    """The area flooded at ``level`` by the organisation's level-to-area table of the station
    behind datastream ``station_ds``: datasets tagged ``flood_extent`` whose polygons carry
    ``level`` (the station's reading, in its unit, from which the polygon is under water)
    and ``datastream`` (its id) or ``station`` (its Thing's name). The union of every
    polygon whose level is reached; None when the table has no row for the station or the
    level is below all of its rows."""
    ds, th = s.datastreams, s.things
    row = conn.execute(
        select(th.c.name).join(ds, ds.c.thing_id == th.c.id).where(ds.c.id == station_ds)
    ).first()
    station = row.name if row else None
    parts = []
    for props, geom in _features(conn, org_id, FLOOD_EXTENT):
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        keyed = str(props.get("datastream", "")) == str(station_ds) or (
            station is not None and props.get("station") == station
        )
        at = props.get("level")
        if keyed and isinstance(at, int | float) and not isinstance(at, bool) and level >= at:
            parts.append(geom)
    return shapely.union_all(parts) if parts else None


def _station_of(conn: Connection, rule_name: str) -> int | None:
    r = s.rules
    row = conn.execute(select(r.c.type, r.c.config).where(r.c.name == rule_name)).first()
    if row is None or row.type not in STATION_ROLE:
        return None
    named = (row.config.get("inputs") or {}).get(STATION_ROLE[row.type])
    return int(str(named)) if str(named).isdigit() else None


def for_incident(conn: Connection, doc: dict[str, Any]) -> dict[str, Any] | None:
    """The exposure of an incident: of the flood extent at its latest level where the
    station has a level-to-area table, else of the area of its latest alert. ``basis``
    says which (``flood_extent`` with its ``level``, or ``alert_area``)."""
    org_id, value = doc.get("org_id"), doc.get("last_value")
    station = _station_of(conn, str(doc.get("rule") or ""))
    if station is not None and org_id is not None and isinstance(value, int | float):
        area = flood_extent(conn, int(org_id), station, float(value))
        layers = load_layers(conn, int(org_id)) if area is not None else None
        if area is not None and layers is not None:
            return {**exposure(layers, area), "basis": "flood_extent", "level": value}
    a = s.alerts
    row = conn.execute(
        select(a.c.infos, a.c.org_id)
        .where(a.c.incident_id == doc["id"])
        .order_by(a.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    found = for_alert(conn, {"infos": row.infos, "org_id": row.org_id or org_id})
    return None if found is None else {**found, "basis": "alert_area"}


def for_rule(
    conn: Connection, rule_name: str, org_id: int | None, level: float | None
) -> dict[str, Any] | None:
    """The exposure a rule's warning would have had at ``level`` (a replayed incident has
    no alert): the flood extent of its station at that level where a table exists, else
    the area its draft alert would get (the named area or the circle around its station,
    ``cap_sources.alert_area``)."""
    if org_id is None:
        return None
    r = s.rules
    row = conn.execute(select(r.c.type, r.c.config).where(r.c.name == rule_name)).first()
    if row is None:
        return None
    station = _station_of(conn, rule_name)
    if station is not None and level is not None:
        area = flood_extent(conn, org_id, station, level)
        layers = load_layers(conn, org_id) if area is not None else None
        if area is not None and layers is not None:
            return {**exposure(layers, area), "basis": "flood_extent", "level": level}
    config = dict(row.config or {})
    name, point, props = cap_sources.station_of(conn, config)
    facts = cap_sources.Facts(
        0, "open", 1, "", "Unknown", level, "replay", row.type, rule_name, config,
        AlertPolicy.model_validate(config.get("alert") or {}),
        cap_sources.load_city(conn, org_id), name or rule_name, point,
        props if isinstance(props, dict) else None,
    )  # fmt: skip
    try:
        cap_area = cap_sources.alert_area(conn, facts)[""]
    except InvalidInput:
        return None  # no station, area or city point: no warning area to count in
    info = {
        "areas": [
            {
                "polygons": [list(p) for p in cap_area.polygons],
                "circles": [list(c) for c in cap_area.circles],
            }
        ]
    }
    found = for_alert(conn, {"infos": [info], "org_id": org_id})
    return None if found is None else {**found, "basis": "alert_area"}


def org_languages(conn: Connection, org_id: int | None) -> list[str]:
    """The languages of organisation ``org_id`` (ISO 639 codes, main first; [] if none)."""
    if org_id is None:
        return []
    o = s.organisations
    langs = conn.execute(select(o.c.languages).where(o.c.id == org_id)).scalar()
    return [str(x) for x in langs or []]
