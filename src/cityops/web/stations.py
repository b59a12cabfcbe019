"""Stations of a city and their state for the map, the station page and the data page.

A station is a Thing with a Location. Its state is the worst of its datastreams', each
judged by ``web.state.judge`` (the one function): the latest value against the levels of
the rules that read it (river levels, or levels of a derived index on the rule's output
datastream) and the open incidents of those rules, a level judged by its CAP severity as
its incident is; ``stale`` when the latest value is older than ``STALE_AFTER``, ``nodata``
when there is none. Each value carries its time and its trend over the last hour.
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
from cityops.rules.severity import default_severities
from cityops.store import schema as s
from cityops.web.state import (
    LABELS,
    N_,
    STALE_AFTER,
    STATES,
    Judgement,
    judge,
    reached_level,
    severity_state,
    worst,
)
from cityops.web.translations import gettext_for
from cityops.web.units import format_value, shown

__all__ = ["STALE_AFTER", "STATES", "classify", "stations", "worst"]
#: Rule types whose ``levels`` are on the raw values of their input datastreams.
LEVELS_ON_INPUTS = {"river_level"}
TREND_OVER = timedelta(hours=1)
#: Words of trends and data-quality states, said in the page's language.
WORDS = {
    "rising": N_("rising"),
    "falling": N_("falling"),
    "steady": N_("steady"),
    "ok": N_("ok"),
    "stale": N_("stale"),
    "no data": N_("no data"),
}


def said(verdict: Judgement, lang: str) -> str:
    """The reason of ``verdict`` in ``lang`` (a CAP severity in it too)."""
    args = dict(verdict.args)
    if "severity" in args:
        args["severity"] = gettext_for(lang, args["severity"])
    return gettext_for(lang, verdict.message, **args)


def _with_severities(
    levels: Mapping[str, float], severities: Iterable[str] | None = None
) -> list[tuple[str, float, str]]:
    """``(name, bound, CAP severity)`` per level, ascending, as the rule's incidents get."""
    names = list(levels)
    sev = list(severities or []) or default_severities(names)
    if len(sev) != len(names):
        sev = default_severities(names)
    return sorted(zip(names, levels.values(), sev, strict=True), key=lambda lv: lv[1])


def classify(value: float | None, levels: Mapping[str, float]) -> str:
    """normal / warning / danger of a value against ascending levels, by the severity
    each level's incident would have (``web.state.severity_state``)."""
    if value is None:
        return "nodata"
    hit = reached_level(value, _with_severities(levels))
    return "normal" if hit is None else severity_state(hit[2])


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
        config = row.config or {}
        levels = _numeric_levels(config)
        sev = _with_severities(levels, config.get("severities")) if levels else []
        info = {
            "id": int(row.id),
            "name": row.name,
            "type": row.type,
            "levels": levels,
            "severities": {name: severity for name, _, severity in sev},
        }
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


def datastream_state(
    row: Any,
    rules: list[dict[str, Any]],
    incidents: Mapping[int, Any],
    now: datetime,
    trend: dict[str, Any] | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """One datastream as JSON, with its levels, state (``web.state.judge``), the reason,
    its trend and its open incidents; the words (label, reason, quality) in ``lang``."""
    graded: dict[str, tuple[float, str]] = {}
    for rule in rules:
        sev = rule.get("severities") or {n: v for n, _, v in _with_severities(rule["levels"])}
        for name, bound in rule["levels"].items():
            graded[name] = (bound, sev.get(name, "Moderate"))
    ordered = sorted(((n, b, sv) for n, (b, sv) in graded.items()), key=lambda lv: lv[1])
    incs = [incidents[r["id"]] for r in rules if r["id"] in incidents]
    unit = shown(row.unit_of_measurement)
    verdict = judge(row.last_result, row.last_phenomenon_time, now, ordered, incs, unit.symbol)
    fresh = verdict.state not in ("stale", "nodata") and row.last_phenomenon_time is not None
    fresh = fresh and now - row.last_phenomenon_time <= STALE_AFTER
    quality = [
        incidents[r["id"]]["level_name"]
        for r in rules
        if r["type"] == "data_quality" and r["id"] in incidents
    ]
    stated = "ok" if fresh else ("stale" if row.last_phenomenon_time is not None else "no data")
    if trend is not None:
        trend = {**trend, "word": gettext_for(lang, WORDS[trend["direction"]])}
    return {
        "quality": quality[0] if quality else stated,
        "quality_text": quality[0] if quality else gettext_for(lang, WORDS[stated]),
        "id": int(row.id),
        "name": row.name,
        "unit": unit.symbol,
        "decimals": unit.decimals,
        "last_time": row.last_phenomenon_time,
        "last_value": row.last_result,
        "display": format_value(row.last_result, unit.decimals),
        "levels": {name: bound for name, bound, _ in ordered},
        "state": verdict.state,
        "label": gettext_for(lang, verdict.label),
        "level": verdict.level,
        "reason": said(verdict, lang),
        "trend": trend,
        "fresh": fresh,
        "incidents": [int(x["id"]) for x in incs],
        "rules": [r["name"] for r in rules],
    }


def trend_of(
    value: float | None, before: tuple[datetime, float] | None, last: datetime | None, decimals: int
) -> dict[str, Any] | None:
    """Rising / falling / steady from the reading about an hour before the latest: a change
    smaller than the last shown decimal is steady (the arrow never contradicts the digits)."""
    if value is None or before is None or last is None:
        return None
    change = round(value - before[1], decimals)
    step = 10.0**-decimals
    direction = "rising" if change >= step else "falling" if change <= -step else "steady"
    arrow = {"rising": "↑", "falling": "↓", "steady": "→"}[direction]
    minutes = round((last - before[0]).total_seconds() / 60)
    return {"direction": direction, "arrow": arrow, "change": change, "over_minutes": minutes}


def readings_before(conn: Connection, rows: Iterable[Any]) -> dict[int, tuple[datetime, float]]:
    """Per datastream: its newest numeric reading at least ``TREND_OVER`` before its latest
    (one indexed lookup each, on ``ix_observations_ds_time``)."""
    o = s.observations
    out: dict[int, tuple[datetime, float]] = {}
    for row in rows:
        if row.last_phenomenon_time is None or not isinstance(row.last_result, (int, float)):
            continue
        found = conn.execute(
            select(o.c.phenomenon_time_start, o.c.result_number)
            .where(
                o.c.datastream_id == row.id,
                o.c.phenomenon_time_start <= row.last_phenomenon_time - TREND_OVER,
                o.c.result_number.is_not(None),
            )
            .order_by(o.c.phenomenon_time_start.desc())
            .limit(1)
        ).first()
        if found is not None:
            out[int(row.id)] = (found[0], float(found[1]))
    return out


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
    conn: Connection,
    who: Principal,
    org_id: int | None,
    now: datetime,
    thing_id: int | None = None,
    lang: str = "en",
) -> list[dict[str, Any]]:
    """The stations (things) of ``org_id`` the caller may see, each with its state (the
    words in ``lang``, the interface language of the page or caller)."""
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
    rows = conn.execute(dq.order_by(ds.c.id)).all()
    before = readings_before(conn, rows)
    for row in rows:
        decimals = shown(row.unit_of_measurement).decimals
        trend = trend_of(
            row.last_result, before.get(int(row.id)), row.last_phenomenon_time, decimals
        )
        streams[int(row.thing_id)].append(
            datastream_state(row, links.get(int(row.id), []), incidents, now, trend, lang)
        )
    points = thing_points(conn, list(things))
    out = []
    for tid, thing in things.items():
        lat, lon = points.get(tid, (None, None))
        dss = streams.get(tid, [])
        state = worst(d["state"] for d in dss)
        why = next((d for d in dss if d["state"] == state), None)
        out.append(
            {
                **thing,
                "lat": lat,
                "lon": lon,
                "datastreams": dss,
                "state": state,
                "label": gettext_for(lang, LABELS[state]),
                "reason": f"{why['name']}: {why['reason']}"
                if why
                else gettext_for(lang, N_("No datastreams")),
            }
        )
    return out
