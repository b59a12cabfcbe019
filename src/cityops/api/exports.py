"""/api/export: observations as CSV or Parquet, stations as GeoJSON (access-checked).

``GET /api/export/datastreams/{id}.csv|.parquet`` (``from``/``to`` ISO times),
``GET /api/export/observations.csv|.parquet?path=...&$filter=...`` (a SensorThings query)
and ``GET /api/export/stations.geojson``. Callers see what SensorThings reads show them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.engine import Connection

from cityops.api.context import ctx
from cityops.api.deps import principal
from cityops.api.json import JSON
from cityops.auth.principal import Principal
from cityops.errors import InvalidInput
from cityops.exports.geojson import stations_geojson
from cityops.exports.query import Selection, check_datastream, iter_observations, observations_query
from cityops.exports.writers import csv_chunks, write_parquet
from cityops.limits import check_year
from cityops.store.base import Store

router = APIRouter(prefix="/api/export", tags=["exports"])
PARQUET = "application/vnd.apache.parquet"
T = TypeVar("T")


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{name}: not an ISO 8601 time: {value!r}", field=name) from None
    if when.tzinfo is None:
        raise InvalidInput(f"{name}: give a time zone, e.g. 2025-08-01T00:00:00Z", field=name)
    check_year(when, name)
    return when


def _file(request: Request, sel: Selection, who: Principal, fmt: str, name: str) -> Response:
    """Read the selection in one snapshot and answer it as CSV (streamed) or Parquet."""
    if fmt not in ("csv", "parquet"):
        raise InvalidInput("format: csv or parquet", field="format")
    store = ctx(request).store
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    if fmt == "parquet":
        buf = io.BytesIO()
        with store.read() as conn:
            chunks = _renewing(store, conn, iter_observations(conn, sel, who))
            write_parquet(chunks, buf, {"cityops.path": sel.path})
        return Response(buf.getvalue(), media_type=PARQUET, headers=disposition)
    with store.read() as conn:  # path and $filter are checked before the 200 is sent
        observations_query(conn, sel, who)

    def body() -> Any:
        with store.read() as conn:
            yield from csv_chunks(_renewing(store, conn, iter_observations(conn, sel, who)))

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers=disposition)


def _renewing(store: Store, conn: Connection, chunks: Iterator[T]) -> Iterator[T]:
    """The chunks, restarting the statement time limit after each: an export may run as
    long as it keeps producing rows (the limit bounds the wait for the next chunk)."""
    for chunk in chunks:
        yield chunk
        store.renew_deadline(conn)


# What the export routes answer, so that the OpenAPI document says it (schemathesis checks).
TABLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, PARQUET: {}}, "description": "CSV or Parquet"}
}


@router.get("/datastreams/{ds_id}.{fmt}", responses=TABLE_RESPONSES)
def datastream_file(
    ds_id: int,
    fmt: str,
    request: Request,
    start: str | None = None,
    end: str | None = None,
    who: Principal = Depends(principal),
) -> Response:
    """One datastream's observations (``start``/``end``: phenomenon time window)."""
    with ctx(request).store.read() as conn:
        check_datastream(conn, ds_id, who)
    sel = Selection.of_datastream(ds_id, _time(start, "start"), _time(end, "end"))
    return _file(request, sel, who, fmt, f"datastream-{ds_id}")


@router.get("/observations.{fmt}", responses=TABLE_RESPONSES)
def query_file(
    fmt: str, request: Request, path: str = "Observations", who: Principal = Depends(principal)
) -> Response:
    """Observations of a SensorThings query: ``path`` plus ``$filter``/``$orderby``/``$top``."""
    options = {k: v for k, v in request.query_params.items() if k.startswith("$")}
    return _file(request, Selection(path, options), who, fmt, "observations")


@router.get("/stations.geojson", responses={200: {"content": {"application/geo+json": {}}}})
def stations(request: Request, who: Principal = Depends(principal)) -> JSON:
    """Things with their current Location and their datastreams' latest values."""
    with ctx(request).store.read() as conn:
        doc = stations_geojson(conn, who)
    return JSON(doc, media_type="application/geo+json")
