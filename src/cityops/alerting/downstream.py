"""Who is next downstream of a river incident, and when the wave gets there.

The river network is the set of ``river_lag`` rules: each links an upstream station to a
downstream one on the same river with a travel time, configured or estimated by the
hazard engine from the stations' own history (``hazards.lag``). For a river incident the
stations below its station are followed from reach to reach:

- first reach (U -> D): the rule's own forecast, ``D now + (U now - U one lag ago)``,
  expected at ``U's latest reading + lag``;
- each further reach (D -> E): the rise expected at D passes on, ``E now + (expected at D
  - D now)``, arriving one more lag later.

A reach whose lag is unknown (no configuration, estimate below the rule's ``min_score``)
is listed without time and level, and the walk stops there: no guess. Stations the
caller may not read are left out, with everything below them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.auth.policy import visible
from cityops.auth.principal import Principal
from cityops.errors import InvalidInput
from cityops.rules import Series
from cityops.rules.lag import RiverLagRule
from cityops.store import schema as s

from .active import ActiveRule, activate, datastream_units
from .windows import load_series

#: The input that names a river rule's own station.
STATION_ROLE = {"river_level": "level", "river_lag": "downstream"}
MAX_REACHES = 50


@dataclass(frozen=True)
class Reach:
    """One river_lag rule as measured now: from upstream to downstream datastream."""

    rule: str
    upstream: int
    downstream: int
    lag: float  # seconds, NaN when unknown
    estimated: bool  # the lag comes from the stations' history, not the configuration
    up_time: float  # latest upstream reading (s since epoch), NaN if none
    rise: float  # upstream rise over the last lag
    down_now: float  # latest downstream reading
    levels: dict[str, float]


def level_name(value: float, levels: dict[str, float]) -> str:
    """The highest named level ``value`` reaches ("normal" below all)."""
    name = "normal"
    for n, threshold in sorted(levels.items(), key=lambda kv: kv[1]):
        if math.isfinite(value) and value >= threshold:
            name = n
    return name


def walk(start: int, reaches: list[Reach]) -> list[dict[str, Any]]:
    """The stations below datastream ``start``, nearest first (breadth-first), each with
    the expected arrival (s since epoch) and level; pure, for the hand computation."""
    below: dict[int, list[Reach]] = {}
    for r in reaches:
        below.setdefault(r.upstream, []).append(r)
    out: list[dict[str, Any]] = []
    seen = {start}
    # (datastream, arrival there, rise carried there); None rise: the first reach
    queue: list[tuple[int, float | None, float | None]] = [(start, None, None)]
    while queue and len(out) < MAX_REACHES:
        here, arrived, carried = queue.pop(0)
        for r in below.get(here, []):
            if r.downstream in seen:
                continue
            seen.add(r.downstream)
            known = math.isfinite(r.lag) and (carried is not None or math.isfinite(r.up_time))
            rise = r.rise if carried is None else carried
            item: dict[str, Any] = {
                "datastream_id": r.downstream,
                "from_datastream_id": r.upstream,
                "rule": r.rule,
                "lag_hours": round(r.lag / 3600.0, 2) if math.isfinite(r.lag) else None,
                "lag_estimated": r.estimated,
                "current_level": _num(r.down_now),
                "arrival": None,
                "expected_level": None,
                "expected_level_name": None,
            }
            if known and math.isfinite(rise) and math.isfinite(r.down_now):
                at = (arrived if arrived is not None else r.up_time) + r.lag
                expected = r.down_now + rise
                item["arrival"] = datetime.fromtimestamp(at, UTC)
                item["expected_level"] = round(expected, 3)
                item["expected_level_name"] = level_name(expected, r.levels)
                queue.append((r.downstream, at, expected - r.down_now))
            out.append(item)
    return out


def _num(value: float) -> float | None:
    return round(value, 3) if math.isfinite(value) else None


def _lag_rules(conn: Connection) -> list[ActiveRule]:
    r = s.rules
    rows = list(
        conn.execute(
            select(r).where(r.c.type == "river_lag", r.c.enabled.is_(True)).order_by(r.c.id)
        )
    )
    ids = {
        int(v) for row in rows for v in row.config.get("inputs", {}).values() if str(v).isdigit()
    }
    units = datastream_units(conn, ids)
    out = []
    for row in rows:
        try:
            out.append(activate(row, units))
        except InvalidInput:
            continue  # a broken rule is reported by the engine, not here
    return out


def _series(conn: Connection, active: ActiveRule, role: str, since: float) -> Series:
    _, times, values = load_series(conn, active.inputs[role], since=since)
    return Series(times, active.converters[role](values))


def measure(conn: Connection, active: ActiveRule) -> Reach:
    """A river_lag rule's reach as its stations read now (the engine's own forecast)."""
    rule = active.rule
    assert isinstance(rule, RiverLagRule)
    ds = s.datastreams
    newest = conn.execute(
        select(ds.c.last_phenomenon_time).where(ds.c.id.in_(list(active.inputs.values())))
    ).all()
    latest = max((r[0].timestamp() for r in newest if r[0] is not None), default=None)
    up_id, down_id = active.inputs["upstream"], active.inputs["downstream"]
    nan = float("nan")
    if latest is None:
        return Reach(active.name, up_id, down_id, nan, False, nan, nan, nan, rule.config.levels)
    since = latest - rule.history - rule.config.step
    up, down = _series(conn, active, "upstream", since), _series(conn, active, "downstream", since)
    ls = rule.levels({"upstream": up, "downstream": down})
    lag = float(ls.details["lag"][-1]) if len(ls) else nan
    forecast = float(ls.values[-1]) if len(ls) else nan
    valid = down.values[np.isfinite(down.values)]
    down_now = float(valid[-1]) if valid.size else nan
    up_time = float(up.times[-1]) if up.times.size else nan
    return Reach(
        active.name,
        up_id,
        down_id,
        lag,
        rule.config.lag is None,
        up_time,
        forecast - down_now,
        down_now,
        dict(rule.config.levels),
    )


def _stations(conn: Connection, ids: list[int], p: Principal) -> dict[int, dict[str, Any]]:
    """Name, unit and position of the stations behind datastreams the caller may read."""
    ds, th, tl, loc = s.datastreams, s.things, s.thing_locations, s.locations
    q = (
        select(ds.c.id, ds.c.unit_of_measurement, th.c.id.label("thing"), th.c.name, loc.c.location)
        .join(th, th.c.id == ds.c.thing_id)
        .outerjoin(tl, tl.c.thing_id == th.c.id)
        .outerjoin(loc, loc.c.id == tl.c.location_id)
        .where(ds.c.id.in_(ids))
    )
    cond = visible("Datastream", ds, p)
    if cond is not None:
        q = q.where(cond)
    out: dict[int, dict[str, Any]] = {}
    for r in conn.execute(q):
        point = r.location if isinstance(r.location, dict) else {}
        coords = point.get("coordinates") if point.get("type") == "Point" else None
        props = (r.unit_of_measurement or {}) if isinstance(r.unit_of_measurement, dict) else {}
        out.setdefault(
            int(r.id),
            {
                "thing_id": int(r.thing),
                "station": r.name,
                "unit": props.get("symbol"),
                "lon": float(coords[0]) if coords else None,
                "lat": float(coords[1]) if coords else None,
            },
        )
    return out


def for_incident(
    conn: Connection, doc: dict[str, Any], p: Principal
) -> list[dict[str, Any]] | None:
    """The stations downstream of a river incident (None: not a river incident)."""
    r = s.rules
    row = conn.execute(select(r.c.type, r.c.config).where(r.c.name == doc["rule"])).first()
    if row is None or row.type not in STATION_ROLE:
        return None
    named = (row.config.get("inputs") or {}).get(STATION_ROLE[row.type])
    if not str(named).isdigit():
        return None
    start = int(str(named))
    rules = _lag_rules(conn)
    below: dict[int, list[ActiveRule]] = {}
    for a in rules:
        below.setdefault(a.inputs["upstream"], []).append(a)
    reaches: list[Reach] = []
    todo, seen = [start], {start}
    while todo and len(reaches) < MAX_REACHES:  # measure only the reaches below the start
        here = todo.pop(0)
        for a in below.get(here, []):
            reaches.append(measure(conn, a))
            if a.inputs["downstream"] not in seen:
                seen.add(a.inputs["downstream"])
                todo.append(a.inputs["downstream"])
    items = walk(start, reaches)
    names = _stations(conn, [start] + [i["datastream_id"] for i in items], p)
    out, reachable = [], {start}
    for item in items:  # a hidden station hides everything below it
        if item["datastream_id"] not in names or item["from_datastream_id"] not in reachable:
            continue
        reachable.add(item["datastream_id"])
        up = names.get(item["from_datastream_id"], {})
        out.append({**names[item["datastream_id"]], "from_station": up.get("station"), **item})
    return out
