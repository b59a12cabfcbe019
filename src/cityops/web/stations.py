"""Stations of a city and their state for the map, the station page and the data page.

A station is a Thing with a Location. Its state is the worst of its datastreams':
``danger`` / ``warning`` from the latest value against the levels of the rules that read
it (river levels, or levels of a derived index on the rule's output datastream) or from
an open incident of such a rule (the rule's top level is danger, lower levels warning);
``normal`` otherwise; ``nodata`` when no datastream has a value newer than ``STALE_AFTER``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.auth.policy import visible
from cityops.auth.principal import Principal
from cityops.store import schema as s
from cityops.web.units import format_value, shown

STATES = ("nodata", "normal", "warning", "danger")  # worst last
STALE_AFTER = timedelta(hours=24)
#: Rule types whose ``levels`` are on the raw values of their input datastreams.
LEVELS_ON_INPUTS = {"river_level"}


def worst(states: Iterable[str]) -> str:
    """The worst state; ``nodata`` only when nothing else is known."""
    known = [x for x in states if x in STATES]
    return max(known, key=STATES.index) if known else "nodata"


def classify(value: float | None, levels: Mapping[str, float]) -> str:
    """normal / warning / danger of a value against ascending levels (top = danger)."""
    if value is None:
        return "nodata"
    reached = [name for name, bound in levels.items() if value >= bound]
    if not reached:
        return "normal"
    return "danger" if len(reached) == len(levels) else "warning"


def _numeric_levels(config: Mapping[str, Any]) -> dict[str, float]:
    raw = config.get("levels")
    if not isinstance(raw, Mapping):
        return {}
    out = {str(k): float(v) for k, v in raw.items() if isinstance(v, (int, float))}
    values = list(out.values())
    return out if values == sorted(values) else {}  # descending (SPI) levels are not lines


def rule_links(conn: Connection, org_id: int | None) -> dict[int, list[dict[str, Any]]]:
    """Per datastream id: the rules that judge it, with their levels (maybe empty)."""
    r = s.rules
    q = select(r.c.id, r.c.name, r.c.type, r.c.config, r.c.output_datastream_id)
    if org_id is not None:
        q = q.where(r.c.org_id == org_id)
    links: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(q.where(r.c.enabled.is_(True))):
        levels = _numeric_levels(row.config or {})
        info = {"id": int(row.id), "name": row.name, "type": row.type, "levels": levels}
        for value in (row.config or {}).get("inputs", {}).values():
            if str(value).isdigit():
                on_raw = row.type in LEVELS_ON_INPUTS
                links[int(value)].append({**info, "levels": levels if on_raw else {}})
        if row.output_datastream_id is not None:
            links[int(row.output_datastream_id)].append(info)
    return links


def open_incidents(conn: Connection, org_id: int | None) -> dict[int, dict[str, Any]]:
    """The open (not resolved) live incident per rule id."""
    i = s.incidents
    q = select(
        i.c.id, i.c.rule_id, i.c.state, i.c.level, i.c.level_name, i.c.severity, i.c.subject
    ).where(i.c.state != "resolved", i.c.origin == "engine")
    if org_id is not None:
        q = q.where(i.c.org_id == org_id)
    return {int(r.rule_id): dict(r._mapping) for r in conn.execute(q)}


def _incident_state(rule: Mapping[str, Any], inc: Mapping[str, Any] | None) -> str | None:
    if inc is None:
        return None
    top = len(rule["levels"]) if rule["levels"] else None
    return "danger" if top is None or inc["level"] >= top else "warning"


def datastream_state(
    row: Any, rules: list[dict[str, Any]], incidents: Mapping[int, Any], now: datetime
) -> dict[str, Any]:
    """One datastream as JSON, with its levels, state and open incidents."""
    levels: dict[str, float] = {}
    for rule in rules:
        levels.update(rule["levels"])
    levels = dict(sorted(levels.items(), key=lambda kv: kv[1]))
    fresh = row.last_phenomenon_time is not None and now - row.last_phenomenon_time <= STALE_AFTER
    by_value = classify(row.last_result, levels) if fresh else "nodata"
    incs = [incidents[r["id"]] for r in rules if r["id"] in incidents]
    state = worst(
        [
            by_value,
            *(x for r in rules if (x := _incident_state(r, incidents.get(r["id"]))) is not None),
        ]
    )
    unit = shown(row.unit_of_measurement)
    quality = [
        incidents[r["id"]]["level_name"]
        for r in rules
        if r["type"] == "data_quality" and r["id"] in incidents
    ]
    return {
        "quality": quality[0]
        if quality
        else ("ok" if fresh else ("stale" if row.last_phenomenon_time is not None else "no data")),
        "id": int(row.id),
        "name": row.name,
        "unit": unit.symbol,
        "decimals": unit.decimals,
        "last_time": row.last_phenomenon_time,
        "last_value": row.last_result,
        "display": format_value(row.last_result, unit.decimals),
        "levels": levels,
        "state": state,
        "fresh": fresh,
        "incidents": [int(x["id"]) for x in incs],
        "rules": [r["name"] for r in rules],
    }


def _point(doc: Any) -> tuple[float, float] | None:
    """(lat, lon) of a GeoJSON Point (or Feature with one)."""
    if isinstance(doc, Mapping) and doc.get("type") == "Feature":
        doc = doc.get("geometry")
    if isinstance(doc, Mapping) and doc.get("type") == "Point":
        coords = doc.get("coordinates") or []
        if len(coords) >= 2:
            return float(coords[1]), float(coords[0])
    return None


def _where_org(table: Any, who: Principal, org_id: int | None) -> list[Any]:
    conds = [c for c in (visible("Thing", table, who),) if c is not None]
    if org_id is not None:
        conds.append(table.c.org_id == org_id)
    return conds


def thing_points(conn: Connection, thing_ids: list[int]) -> dict[int, tuple[float, float]]:
    """The first point location of each thing."""
    tl, loc = s.thing_locations, s.locations
    q = (
        select(tl.c.thing_id, loc.c.location)
        .join(loc, loc.c.id == tl.c.location_id)
        .where(tl.c.thing_id.in_(thing_ids))
        .order_by(tl.c.thing_id, loc.c.id)
    )
    out: dict[int, tuple[float, float]] = {}
    for row in conn.execute(q):
        point = _point(row.location)
        if point is not None and int(row.thing_id) not in out:
            out[int(row.thing_id)] = point
    return out


def stations(
    conn: Connection, who: Principal, org_id: int | None, now: datetime, thing_id: int | None = None
) -> list[dict[str, Any]]:
    """The stations (things) of ``org_id`` the caller may see, each with its state."""
    th, ds = s.things, s.datastreams
    q = select(th.c.id, th.c.name, th.c.description).where(*_where_org(th, who, org_id))
    if thing_id is not None:
        q = q.where(th.c.id == thing_id)
    things = {int(r.id): dict(r._mapping) for r in conn.execute(q.order_by(th.c.name))}
    if not things:
        return []
    links, incidents = rule_links(conn, org_id), open_incidents(conn, org_id)
    streams: dict[int, list[dict[str, Any]]] = defaultdict(list)
    dq = select(ds).where(ds.c.thing_id.in_(list(things)), *_where_org(ds, who, None))
    for row in conn.execute(dq.order_by(ds.c.id)):
        streams[int(row.thing_id)].append(
            datastream_state(row, links.get(int(row.id), []), incidents, now)
        )
    points = thing_points(conn, list(things))
    out = []
    for tid, thing in things.items():
        lat, lon = points.get(tid, (None, None))
        dss = streams.get(tid, [])
        out.append(
            {
                **thing,
                "lat": lat,
                "lon": lon,
                "datastreams": dss,
                "state": worst(d["state"] for d in dss),
            }
        )
    return out
