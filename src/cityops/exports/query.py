"""Which observations an export holds: one datastream, or a SensorThings query.

A query is a SensorThings path to an Observations collection (``Observations``,
``Datastreams(5)/Observations``) with ``$filter`` and ``$orderby``; ``$top``/``$skip``
are not paging here but limits (an export is one file, not a page).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.engine import Connection

from cityops.auth.policy import reader_access, visible
from cityops.auth.principal import Principal
from cityops.datamodel.entities import BY_NAME
from cityops.errors import InvalidQuery, NotFound
from cityops.sta.query import compile_filter, compile_orderby, parse_options
from cityops.sta.resource_paths import resolve
from cityops.store import schema as s

FETCH = 50_000
COLUMNS = (
    "id",
    "datastream_id",
    "phenomenon_time_start",
    "phenomenon_time_end",
    "result_time",
    "result_number",
    "result_json",
    "result_quality",
)


@dataclass(frozen=True)
class Selection:
    """Observations to export: a path and query options (``$filter``, ``$orderby``, ...)."""

    path: str = "Observations"
    options: dict[str, str] = field(default_factory=dict)
    start: datetime | None = None  # phenomenon time window, inclusive start, exclusive end
    end: datetime | None = None

    @classmethod
    def of_datastream(
        cls, ds_id: int, start: datetime | None = None, end: datetime | None = None
    ) -> Selection:
        return cls(f"Datastreams({ds_id})/Observations", {}, start, end)


def observations_query(conn: Connection, sel: Selection, who: Principal) -> Select[Any]:
    """The SELECT of the observations ``who`` may read in ``sel`` (oldest first by default)."""
    target = resolve(conn, sel.path, who)
    if target.kind != "collection" or target.et.name != "Observation":
        raise InvalidQuery(f"export: {sel.path!r} is not an Observations collection", field="path")
    opts = parse_options(dict(sel.options), default_top=1, max_top=2**62)
    o = s.observations
    where = list(target.conditions)
    access = visible("Observation", o, who)
    if access is not None:
        where.append(access)
    if opts.filter is not None:
        where.append(compile_filter(opts.filter, BY_NAME["Observation"], o, reader_access(who)))
    if sel.start is not None:
        where.append(o.c.phenomenon_time_start >= sel.start)
    if sel.end is not None:
        where.append(o.c.phenomenon_time_start < sel.end)
    q = select(*(o.c[c] for c in COLUMNS))
    q = q.where(and_(*where)) if where else q
    keys = (
        compile_orderby(opts.orderby, BY_NAME["Observation"], o, reader_access(who))
        if opts.orderby
        else [o.c.datastream_id, o.c.phenomenon_time_start]
    )
    q = q.order_by(*keys, o.c.id)
    if "$top" in sel.options and opts.top is not None:
        q = q.limit(opts.top)
    if opts.skip:
        q = q.offset(opts.skip)
    return q


def iter_observations(conn: Connection, sel: Selection, who: Principal) -> Iterator[list[Any]]:
    """Rows of the selection in chunks (a server-side cursor where the database has one)."""
    q = observations_query(conn, sel, who)
    result = conn.execution_options(stream_results=True, yield_per=FETCH).execute(q)
    for part in result.partitions(FETCH):
        yield list(part)


def check_datastream(conn: Connection, ds_id: int, who: Principal) -> dict[str, Any]:
    """Name and unit of a datastream ``who`` may read (NotFound otherwise)."""
    ds = s.datastreams
    q = select(ds.c.id, ds.c.name, ds.c.unit_of_measurement).where(ds.c.id == ds_id)
    cond = visible("Datastream", ds, who)
    row = conn.execute(q.where(cond) if cond is not None else q).first()
    if row is None:
        raise NotFound(f"Datastream {ds_id} not found")
    return {"id": int(row.id), "name": row.name, "unit": row.unit_of_measurement}
