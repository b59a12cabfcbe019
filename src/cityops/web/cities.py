"""Which city a page shows, the city's areas, and the network of all pilot cities.

An operator (or city admin, analyst) sees its own organisation whatever it asks for; an
admin picks one with ``?org=<slug>`` (default: the first city).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from cityops.auth.policy import visible
from cityops.auth.principal import Principal
from cityops.store import schema as s

_ORG_FIELDS = ("id", "slug", "name", "kind", "country_iso2", "timezone", "languages", "lat", "lon")


def all_orgs(conn: Connection) -> list[dict[str, Any]]:
    """Every organisation's public facts, cities first, by name."""
    o = s.organisations
    rows = conn.execute(select(*(o.c[f] for f in _ORG_FIELDS)).order_by(o.c.name))
    orgs = [dict(r._mapping) for r in rows]
    return sorted(orgs, key=lambda x: (x["kind"] != "city", x["name"]))


def choose_org(conn: Connection, who: Principal, slug: str | None) -> dict[str, Any] | None:
    """The organisation the caller's pages show (None: there is none to show)."""
    orgs = all_orgs(conn)
    if not who.is_admin:
        return next((o for o in orgs if o["id"] == who.org_id), None)
    chosen = next((o for o in orgs if o["slug"] == slug), None) if slug else None
    return chosen or (orgs[0] if orgs else None)


def _polygonal(doc: Any) -> Mapping[str, Any] | None:
    if isinstance(doc, Mapping) and doc.get("type") == "Feature":
        doc = doc.get("geometry")
    if isinstance(doc, Mapping) and doc.get("type") in ("Polygon", "MultiPolygon"):
        return doc
    return None


def areas(conn: Connection, who: Principal, org_id: int | None) -> dict[str, Any]:
    """The city's areas: polygon Locations and FeaturesOfInterest, as a FeatureCollection."""
    features = []
    for table, column, entity in (
        (s.locations, "location", "Location"),
        (s.features_of_interest, "feature", "FeatureOfInterest"),
    ):
        q = select(table.c.id, table.c.name, table.c[column]).where(
            table.c.bbox_minx.is_not(None), table.c.bbox_minx < table.c.bbox_maxx
        )
        cond = visible(entity, table, who)
        if cond is not None:
            q = q.where(cond)
        if org_id is not None:
            q = q.where(table.c.org_id == org_id)
        for row in conn.execute(q.limit(500)):
            geometry = _polygonal(row[2])
            if geometry is not None:
                features.append(
                    {
                        "type": "Feature",
                        "geometry": geometry,
                        "properties": {"name": row.name, "entity": entity, "id": int(row.id)},
                    }
                )
    features.extend(_alert_areas(conn, org_id))
    return {"type": "FeatureCollection", "features": features}


def _alert_areas(conn: Connection, org_id: int | None) -> list[dict[str, Any]]:
    """The city's named warning areas (imported polygons CAP alerts refer to)."""
    table = getattr(s, "alert_areas", None)
    if table is None or org_id is None:
        return []
    q = select(table.c.id, table.c.name, table.c.geojson).where(table.c.org_id == org_id)
    return [
        {
            "type": "Feature",
            "geometry": g,
            "properties": {"name": r.name, "entity": "Area", "id": int(r.id)},
        }
        for r in conn.execute(q.limit(500))
        if (g := _polygonal(r.geojson)) is not None
    ]


def network(conn: Connection, who: Principal) -> list[dict[str, Any]]:
    """Every city with its open-incident count (counted only where the caller may read)."""
    i = s.incidents
    q = select(i.c.org_id, func.count()).where(i.c.state != "resolved").group_by(i.c.org_id)
    if not who.is_admin:
        q = q.where(i.c.org_id == who.org_id)
    counts = {r[0]: int(r[1]) for r in conn.execute(q)}
    readable = None if who.is_admin else {who.org_id}
    return [
        {
            **o,
            "open_incidents": counts.get(o["id"], 0)
            if readable is None or o["id"] in readable
            else None,
        }
        for o in all_orgs(conn)
    ]
