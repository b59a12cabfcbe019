"""The items of a collection: bbox, datetime and CQL2 filters, limit/offset paging.

Paging is by offset over a stable order (feature id), so that a client following ``next``
links sees every feature exactly once while the collection does not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import shapely
from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from cityops.datasets import cql
from cityops.errors import InvalidQuery, NotFound
from cityops.store import schema as s
from cityops.store import sqlfuncs as sf

F = s.dataset_features
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000


@dataclass
class Query:
    bbox: tuple[float, float, float, float] | None = None
    start: datetime | None = None  # datetime interval, open ends None
    end: datetime | None = None
    filter: ColumnElement[bool] | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``minx,miny,maxx,maxy`` in WGS 84 (CRS84); 6 numbers (with heights) accepted."""
    if not text:
        return None
    try:
        nums = [float(v) for v in text.split(",")]
    except ValueError as exc:
        raise InvalidQuery("bbox: four comma-separated numbers", field="bbox") from exc
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    if len(nums) != 4 or nums[0] > nums[2] or nums[1] > nums[3]:
        raise InvalidQuery("bbox: minx,miny,maxx,maxy with min <= max", field="bbox")
    return nums[0], nums[1], nums[2], nums[3]


def parse_datetime(text: str | None) -> tuple[datetime | None, datetime | None]:
    """An instant, or an interval ``start/end`` with ``..`` (or empty) for an open end."""
    if not text:
        return None, None
    if "/" in text:
        a, b = text.split("/", 1)
        start, end = _instant(a), _instant(b)
        if start and end and start > end:
            raise InvalidQuery("datetime: the interval ends before it starts", field="datetime")
        return start, end
    t = _instant(text)
    if t is None:
        raise InvalidQuery("datetime: an RFC 3339 instant or interval", field="datetime")
    return t, t


def _instant(text: str) -> datetime | None:
    if text in ("", ".."):
        return None
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidQuery(f"datetime: {text!r} is not RFC 3339", field="datetime") from exc
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _conditions(dataset_id: int, q: Query) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [F.c.dataset_id == dataset_id]
    if q.bbox is not None:
        box = shapely.box(*q.bbox)
        conds.append(cql.bbox_overlaps(q.bbox))
        conds.append(sf.GeoPredicate("intersects", F.c.geom, sf.GeomLiteral(box.wkt)))
    if q.start is not None:
        conds.append(F.c.datetime >= q.start)
    if q.end is not None:
        conds.append(F.c.datetime <= q.end)
    if q.filter is not None:
        conds.append(q.filter)
    return conds


def items(conn: Connection, dataset_id: int, q: Query) -> tuple[list[dict[str, Any]], int]:
    """One page of GeoJSON features and the number matched."""
    where = and_(*_conditions(dataset_id, q))
    matched = conn.execute(select(func.count()).select_from(F).where(where)).scalar_one()
    rows = conn.execute(
        select(F.c.id, F.c.properties, F.c.geom, F.c.datetime)
        .where(where)
        .order_by(F.c.id)
        .limit(q.limit)
        .offset(q.offset)
    ).all()
    return [feature(r) for r in rows], int(matched)


def one(conn: Connection, dataset_id: int, feature_id: int) -> dict[str, Any]:
    row = conn.execute(
        select(F.c.id, F.c.properties, F.c.geom, F.c.datetime).where(
            F.c.dataset_id == dataset_id, F.c.id == feature_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no feature {feature_id}", field="featureId")
    return feature(row)


def feature(row: Any) -> dict[str, Any]:
    geom = shapely.from_wkt(row.geom) if row.geom else None
    props = dict(row.properties or {})
    if row.datetime is not None:
        props.setdefault("datetime", row.datetime.isoformat().replace("+00:00", "Z"))
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": orjson.loads(shapely.to_geojson(geom)) if geom is not None else None,
        "properties": props,
    }


def property_types(conn: Connection, dataset_id: int, sample: int = 1000) -> dict[str, str]:
    """JSON Schema types of the properties, from the first ``sample`` features."""
    rows = conn.execute(
        select(F.c.properties).where(F.c.dataset_id == dataset_id).order_by(F.c.id).limit(sample)
    ).scalars()
    kinds: dict[str, str] = {}
    for props in rows:
        for key, value in (props or {}).items():
            if value is None or key in kinds:
                continue
            kinds[key] = (
                "boolean"
                if isinstance(value, bool)
                else "number"
                if isinstance(value, int | float)
                else "string"
                if isinstance(value, str)
                else "object"
            )
    return kinds
