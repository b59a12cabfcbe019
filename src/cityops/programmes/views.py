"""Views over the stored register: totals, timeline, map of sites, coordination.

Each view selects projects with :func:`cityops.programmes.store.select_projects` (same
filters everywhere) and hands them to the pure core. Results are JSON-ready dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import select, union
from sqlalchemy.engine import Connection

from cityops.auth.policy import visible
from cityops.auth.principal import Principal
from cityops.errors import InvalidInput
from cityops.programmes.analysis import Dimension, spans, timeline, totals
from cityops.programmes.codec import to_json
from cityops.programmes.coordination import coordination
from cityops.programmes.reference_rates import ReferenceRates
from cityops.programmes.store import Stored, rates_table, select_projects
from cityops.store import schema as s

Filters = dict[str, Any]


def summary(item: Stored) -> dict[str, Any]:
    """The short form of a project for lists."""
    p = item.project
    return {
        "id": item.id,
        "iati_identifier": p.iati_identifier,
        "title": p.title,
        "status": p.status,
        "start": p.start,
        "end": p.end,
        "cities": list(p.cities),
        "funders": [f.name or f.key for f in p.funders],
        "implementers": [f.name or f.key for f in p.implementers],
        "sectors": list(p.sector_codes),
    }


def totals_view(
    conn: Connection, who: Principal, by: str, currency: str, filters: Filters
) -> dict[str, Any]:
    """Budgeted, committed, disbursed, expended and announced money by city, funder,
    sector or year, in ``currency``, with the exchange rates used."""
    items = select_projects(conn, who, **filters)
    rates = ReferenceRates(rates_table(conn))
    report = totals([i.project for i in items], cast(Dimension, by), currency, rates)
    doc: dict[str, Any] = to_json(report)
    doc["rates_base"] = rates.base
    doc["projects"] = len(items)
    return doc


def timeline_view(conn: Connection, who: Principal, filters: Filters) -> dict[str, Any]:
    """Every dated event of the selected projects, and each project's span."""
    items = select_projects(conn, who, **filters)
    ids = {i.project.key: i.id for i in items}
    projects = [i.project for i in items]
    events = [{**to_json(e), "project_id": ids.get(e.project)} for e in timeline(projects)]
    bars = [{**to_json(b), "project_id": ids.get(b.project)} for b in spans(projects)]
    return {"events": events, "spans": bars}


def coordination_view(
    conn: Connection, who: Principal, filters: Filters, years: Sequence[int] | None = None
) -> dict[str, Any]:
    """Overlapping projects of different funders in one city and sector, and the gaps."""
    if years and not all(1900 <= y <= 2200 for y in years):
        raise InvalidInput("years must lie between 1900 and 2200", field="years")
    items = select_projects(conn, who, **filters)
    ids = {i.project.key: i.id for i in items}
    report = coordination([i.project for i in items], years=years)
    doc: dict[str, Any] = to_json(report)
    for overlap in doc["overlaps"]:
        overlap["first_id"], overlap["second_id"] = (
            ids.get(overlap["first"]),
            ids.get(overlap["second"]),
        )
    return doc


def _site_features(item: Stored) -> list[dict[str, Any]]:
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [loc.lon, loc.lat]},
            "properties": {
                "kind": "site",
                "name": loc.name,
                "project_id": item.id,
                "project": item.project.title,
            },
        }
        for loc in item.project.locations
        if loc.lat is not None
    ]


def _thing_features(
    conn: Connection, who: Principal, project_ids: list[int]
) -> list[dict[str, Any]]:
    """Locations of the Things each project funded (linked, or via linked Datastreams)."""
    pt, pd, ds = s.project_things, s.project_datastreams, s.datastreams
    th, tl, loc = s.things, s.thing_locations, s.locations
    links = union(
        select(pt.c.project_id, pt.c.thing_id).where(pt.c.project_id.in_(project_ids)),
        select(pd.c.project_id, ds.c.thing_id)
        .join(ds, ds.c.id == pd.c.datastream_id)
        .where(pd.c.project_id.in_(project_ids)),
    ).subquery()
    q = (
        select(links.c.project_id, th.c.id, th.c.name, loc.c.location)
        .join(th, th.c.id == links.c.thing_id)
        .join(tl, tl.c.thing_id == th.c.id)
        .join(loc, loc.c.id == tl.c.location_id)
        .order_by(links.c.project_id, th.c.id)
    )
    for entity, table in (("Thing", th), ("Location", loc)):
        cond = visible(entity, table, who)
        q = q if cond is None else q.where(cond)
    features = []
    for row in conn.execute(q):
        geometry = row.location
        if isinstance(geometry, dict) and geometry.get("type") == "Feature":
            geometry = geometry.get("geometry")
        if isinstance(geometry, dict) and "coordinates" in geometry:
            features.append(
                {
                    "type": "Feature",
                    "geometry": geometry,
                    "properties": {
                        "kind": "thing",
                        "thing_id": int(row.id),
                        "name": row.name,
                        "project_id": int(row.project_id),
                    },
                }
            )
    return features


def map_view(conn: Connection, who: Principal, filters: Filters) -> dict[str, Any]:
    """GeoJSON of project sites (their IATI locations) and of the Things they funded."""
    items = select_projects(conn, who, **filters)
    features = [f for item in items for f in _site_features(item)]
    if items:
        features += _thing_features(conn, who, [i.id for i in items])
    return {"type": "FeatureCollection", "features": features}
