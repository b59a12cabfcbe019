"""What a project delivered, from the data it paid for (read-only, SQL on indexed ranges).

The datastreams of a project are those linked to it and those of the Things linked to it,
as far as the caller may see them. Over a period ``[start, end)``:

- *observations*: rows counted on the ``(datastream_id, phenomenon_time_start)`` index;
- *completeness*: observations / expected, where expected is the window's length over the
  datastream's cadence. The cadence is the ``cadence`` property of the Datastream (seconds,
  or an ISO 8601 duration such as ``PT10M``) or else inferred as the most common interval
  between its observations in the window. The window starts no earlier than the
  datastream's first observation ever (nothing was expected before it was installed) and
  ends no later than now;
- *uptime*: the share of slots of the window (an hour, or the cadence if longer) in which
  the datastream reported at least once;
- *incidents*: incidents opened in the period by rules reading any of the datastreams;
- *alerts*: CAP messages issued in the period from those incidents.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import BigInteger, Float, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from cityops.auth.policy import visible
from cityops.auth.principal import Principal
from cityops.programmes.store import linked_ids
from cityops.store import schema as s

ISSUED = ("issued", "superseded", "cancelled")
HOUR = 3600.0
_DURATION = TypeAdapter(timedelta)


class Epoch(FunctionElement[float]):
    """Seconds since 1970 of a UTC time column, on both databases."""

    type = Float()
    inherit_cache = True


@compiles(Epoch)
def _epoch_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(Epoch, "postgresql")
def _epoch_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS BIGINT)"


@dataclass(frozen=True)
class StreamFigures:
    """Delivery figures of one datastream over the period."""

    id: int
    name: str
    thing_id: int
    observations: int
    expected: int | None
    completeness: float | None
    uptime: float | None
    cadence_s: float | None
    cadence_source: str | None  # "declared", "inferred" or None (unknown)
    first: datetime | None
    last: datetime | None


def declared_cadence(properties: Any) -> float | None:
    """The ``cadence`` property of a Datastream in seconds (None if absent or unreadable)."""
    value = properties.get("cadence") if isinstance(properties, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if value > 0 else None
    if isinstance(value, str):
        try:
            seconds = _DURATION.validate_python(value.strip()).total_seconds()
        except ValidationError:
            return None
        return seconds if seconds > 0 else None
    return None


def _in_window(ds_id: int, start: datetime, end: datetime) -> list[Any]:
    o = s.observations
    return [
        o.c.datastream_id == ds_id,
        o.c.phenomenon_time_start >= start,
        o.c.phenomenon_time_start < end,
    ]


def inferred_cadence(conn: Connection, ds_id: int, start: datetime, end: datetime) -> float | None:
    """The most common interval (s) between consecutive observations in the window."""
    o = s.observations
    t = Epoch(o.c.phenomenon_time_start)
    gaps = (
        select((t - func.lag(t).over(order_by=o.c.phenomenon_time_start)).label("gap"))
        .where(*_in_window(ds_id, start, end))
        .subquery()
    )
    q = (
        select(gaps.c.gap)
        .where(gaps.c.gap > 0)
        .group_by(gaps.c.gap)
        .order_by(func.count().desc(), gaps.c.gap)
        .limit(1)
    )
    value = conn.execute(q).scalar()
    return None if value is None else float(value)


def _counts(
    conn: Connection, ds_id: int, start: datetime, end: datetime, slot: float
) -> tuple[int, int, datetime | None, datetime | None]:
    """(observations, slots with data, first, last) in the window."""
    o = s.observations
    bucket = func.floor(Epoch(o.c.phenomenon_time_start) / slot).cast(BigInteger)
    q = select(
        func.count(),
        func.count(bucket.distinct()),
        func.min(o.c.phenomenon_time_start),
        func.max(o.c.phenomenon_time_start),
    ).where(*_in_window(ds_id, start, end))
    n, slots, first, last = conn.execute(q).one()
    return int(n), int(slots), first, last


def _ratio(part: float, whole: float) -> float | None:
    return None if whole <= 0 else round(min(1.0, part / whole), 4)


def stream_figures(conn: Connection, row: Any, start: datetime, end: datetime) -> StreamFigures:
    """Figures of one datastream row (id, name, thing_id, properties, first time)."""
    begin = max(start, row.phenomenon_time_start) if row.phenomenon_time_start else start
    stop = min(end, datetime.now(UTC))
    cadence, source = declared_cadence(row.properties), "declared"
    if cadence is None:
        cadence, source = inferred_cadence(conn, row.id, start, end), "inferred"
    slot = max(HOUR, cadence or HOUR)
    n, slots, first, last = _counts(conn, row.id, start, end, slot)
    seconds = max(0.0, (stop - begin).total_seconds())
    expected = math.floor(seconds / cadence) if cadence else None
    return StreamFigures(
        int(row.id),
        row.name,
        int(row.thing_id),
        n,
        expected,
        _ratio(n, expected) if expected else None,
        _ratio(slots, math.ceil(seconds / slot)) if seconds > 0 else None,
        cadence,
        source if cadence else None,
        first,
        last,
    )


def project_streams(
    conn: Connection, who: Principal, project_id: int
) -> tuple[list[int], list[Any]]:
    """(Thing ids, datastream rows) of a project: linked ones and the linked Things'."""
    things = list(linked_ids(conn, who, project_id, "Thing"))
    streams = list(linked_ids(conn, who, project_id, "Datastream"))
    ds = s.datastreams
    q = (
        select(ds.c.id, ds.c.name, ds.c.thing_id, ds.c.properties, ds.c.phenomenon_time_start)
        .where(or_(ds.c.id.in_(streams), ds.c.thing_id.in_(things)))
        .order_by(ds.c.id)
    )
    cond = visible("Datastream", ds, who)
    rows = list(conn.execute(q if cond is None else q.where(cond)).all())
    stations = sorted(set(things) | {int(r.thing_id) for r in rows})
    return stations, rows


def rules_reading(conn: Connection, ds_ids: Iterable[int]) -> list[int]:
    """Ids of the rules that read any of the datastreams (their ``inputs``)."""
    wanted = {str(i) for i in ds_ids}
    found = []
    for rule_id, config in conn.execute(select(s.rules.c.id, s.rules.c.config)):
        inputs = (config or {}).get("inputs") if isinstance(config, dict) else None
        if isinstance(inputs, dict) and {str(v) for v in inputs.values()} & wanted:
            found.append(int(rule_id))
    return found


def incidents_and_alerts(
    conn: Connection, ds_ids: list[int], start: datetime, end: datetime
) -> tuple[int, int]:
    """Incidents opened in the period through the datastreams, and alerts issued from them."""
    rule_ids = rules_reading(conn, ds_ids)
    if not rule_ids:
        return 0, 0
    i, a = s.incidents, s.alerts
    opened = conn.execute(
        select(func.count()).where(
            i.c.rule_id.in_(rule_ids), i.c.opened_at >= start, i.c.opened_at < end
        )
    ).scalar_one()
    theirs = select(i.c.id).where(i.c.rule_id.in_(rule_ids))
    issued = conn.execute(
        select(func.count()).where(
            a.c.incident_id.in_(theirs), a.c.status.in_(ISSUED), a.c.sent >= start, a.c.sent < end
        )
    ).scalar_one()
    return int(opened), int(issued)


def delivery(
    conn: Connection, who: Principal, project_id: int, start: datetime, end: datetime
) -> dict[str, Any]:
    """The delivery figures of a project over ``[start, end)`` (see the module doc)."""
    stations, rows = project_streams(conn, who, project_id)
    figures = [stream_figures(conn, r, start, end) for r in rows]
    incidents, alerts = incidents_and_alerts(conn, [f.id for f in figures], start, end)
    expected = [f for f in figures if f.expected]
    uptimes = [f.uptime for f in figures if f.uptime is not None]
    return {
        "period": {"start": start, "end": end},
        "stations": len(stations),
        "station_ids": stations,
        "datastreams": len(figures),
        "observations": sum(f.observations for f in figures),
        "completeness": _ratio(
            sum(f.observations for f in expected), sum(f.expected or 0 for f in expected)
        )
        if expected
        else None,
        "uptime": round(sum(uptimes) / len(uptimes), 4) if uptimes else None,
        "incidents": incidents,
        "alerts": alerts,
        "per_datastream": [asdict(f) for f in figures],
    }
