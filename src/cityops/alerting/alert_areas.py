"""Alert areas of a city: GeoJSON FeatureCollections imported as CAP-ready polygons.

Each Feature becomes one named area (``properties.name``, else ``id``, else
``area-<n>``); its Polygon / MultiPolygon rings are checked and converted by
:func:`cityops.cap.polygons_from_geojson` (lat,lon, 6 decimals, closed, simple). An
import is all or nothing; an area of the same name is replaced.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select

from cityops.auth import audit
from cityops.auth.orgs import org_id as org_id_of
from cityops.auth.principal import Principal
from cityops.cap import polygons_from_geojson
from cityops.cap.templates import names_from_properties
from cityops.errors import InvalidInput
from cityops.store import schema as s
from cityops.store.writer import Tx

MAX_FEATURES = 10000


def _name(feature: dict[str, Any], n: int) -> str:
    props = feature.get("properties") or {}
    name = props.get("name") or feature.get("id") or f"area-{n}"
    return str(name).strip()[:128]


def parse_areas(
    data: bytes | str,
) -> list[tuple[str, str, dict[str, Any], Any, dict[str, str]]]:
    """(name, description, geometry, CAP polygons, names per language) per Feature of a
    FeatureCollection; names per language come from OSM-style ``name:<lang>`` properties."""
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"not JSON: {exc}", field="geojson") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InvalidInput("expected a GeoJSON FeatureCollection", field="geojson")
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidInput("the FeatureCollection has no features", field="geojson.features")
    if len(features) > MAX_FEATURES:
        raise InvalidInput(f"more than {MAX_FEATURES} features", field="geojson.features")
    out, seen = [], set()
    for n, feature in enumerate(features):
        where = f"features[{n}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise InvalidInput(f"{where}: not a Feature", field=where)
        name = _name(feature, n)
        if name in seen:
            raise InvalidInput(f"{where}: duplicate area name {name!r}", field=where)
        seen.add(name)
        try:
            polygons = polygons_from_geojson(feature)
        except InvalidInput as exc:
            raise InvalidInput(f"{where} ({name}): {exc.message}", field=where) from None
        props = feature.get("properties") or {}
        desc = str(props.get("description") or name)
        out.append((name, desc, feature["geometry"], polygons, names_from_properties(props)))
    return out


def import_areas(tx: Tx, org_slug: str, data: bytes | str, who: Principal) -> list[str]:
    """Store the areas of a FeatureCollection for organisation ``org_slug``; their names."""
    org = org_id_of(tx.conn, org_slug)
    a, now = s.alert_areas, datetime.now(UTC)
    names = []
    for name, desc, geometry, polygons, local in parse_areas(data):
        lats = [lat for p in polygons for lat, _ in p]
        lons = [lon for p in polygons for _, lon in p]
        tx.conn.execute(delete(a).where(a.c.org_id == org, a.c.name == name))
        tx.conn.execute(
            insert(a).values(
                org_id=org,
                name=name,
                description=desc,
                geojson=geometry,
                polygons=[[list(pt) for pt in p] for p in polygons],
                names=local or None,
                bbox_minx=min(lons),
                bbox_miny=min(lats),
                bbox_maxx=max(lons),
                bbox_maxy=max(lats),
                created_at=now,
            )
        )
        names.append(name)
    audit.record(tx, who, "import", "AlertArea", None, {"areas": names}, None, org)
    return names


def list_areas(conn: Any, org_id: int) -> list[dict[str, Any]]:
    """The areas of one organisation (name, description, CAP polygons)."""
    a = s.alert_areas
    rows = conn.execute(select(a).where(a.c.org_id == org_id).order_by(a.c.name))
    return [
        {"id": r.id, "name": r.name, "description": r.description, "polygons": r.polygons}
        for r in rows
    ]
