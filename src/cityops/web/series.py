"""Downsampled time series for charts: min, mean and max per time bucket, in SQL.

The range [from, to) is cut into ``buckets`` equal parts; bucket ``i`` holds the
observations with ``from + i*w <= t < from + (i+1)*w`` (w = (to - from) / buckets). The
bucket index is computed exactly (integer microseconds on SQLite, numeric epoch on
PostgreSQL), on the indexed (datastream_id, phenomenon_time_start) range, so a year of
15-minute data (35,000 rows) becomes a few hundred points without leaving the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Connection

from cityops.auth.policy import visible
from cityops.auth.principal import Principal
from cityops.errors import InvalidInput, NotFound
from cityops.store import schema as s
from cityops.store.types import UTCDateTime
from cityops.web import stations, units

MAX_BUCKETS = 5000

_SQLITE_US = (
    "(CAST(strftime('%s', phenomenon_time_start) AS INTEGER) * 1000000"
    " + CAST(substr(phenomenon_time_start, 21, 6) AS INTEGER))"
)
_BUCKET = {
    "sqlite": f"(({_SQLITE_US} - :from_us) * :n) / :span_us",
    # div() on numeric is the exact integer quotient (numeric division would round)
    "postgresql": (
        "div((extract(epoch from phenomenon_time_start) * 1000000 - :from_us) * :n, :span_us)"
    ),
}
_QUERY = """
SELECT {bucket} AS b, min(result_number) AS lo, avg(result_number) AS mean,
       max(result_number) AS hi, count(*) AS n
FROM observations
WHERE datastream_id = :ds AND phenomenon_time_start >= :t0 AND phenomenon_time_start < :t1
  AND result_number IS NOT NULL
GROUP BY 1 ORDER BY 1
"""


@dataclass(frozen=True)
class Buckets:
    """Columns of the non-empty buckets: start time (s since epoch), min, mean, max, count."""

    start: list[float]
    min: list[float]
    mean: list[float]
    max: list[float]
    count: list[int]

    def as_json(self) -> dict[str, Any]:
        return {
            "t": self.start,
            "min": self.min,
            "mean": self.mean,
            "max": self.max,
            "count": self.count,
        }


def micros(value: datetime) -> int:
    """Microseconds since the epoch of an aware datetime, exactly."""
    delta = value - datetime(1970, 1, 1, tzinfo=value.tzinfo)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def bucket_of(t_us: int, from_us: int, span_us: int, n: int) -> int:
    """The bucket index of a time (all in microseconds): what the SQL computes."""
    return ((t_us - from_us) * n) // span_us


def downsample(
    conn: Connection, dialect: str, datastream_id: int, start: datetime, end: datetime, buckets: int
) -> Buckets:
    """Min/mean/max per bucket of the datastream's numeric results in [start, end)."""
    from_us, span_us = micros(start), micros(end) - micros(start)
    if span_us <= 0 or buckets < 1:
        return Buckets([], [], [], [], [])
    sql = text(
        _QUERY.format(bucket=_BUCKET["postgresql" if dialect == "postgresql" else "sqlite"])
    ).bindparams(bindparam("t0", type_=UTCDateTime()), bindparam("t1", type_=UTCDateTime()))
    rows = conn.execute(
        sql,
        {
            "ds": datastream_id,
            "t0": start,
            "t1": end,
            "from_us": from_us,
            "span_us": span_us,
            "n": buckets,
        },
    ).all()
    out = Buckets([], [], [], [], [])
    width = span_us / buckets
    for row in rows:
        index = min(max(int(row.b), 0), buckets - 1)
        out.start.append(round((from_us + index * width) / 1e6, 6))
        out.min.append(float(row.lo))
        out.mean.append(float(row.mean))
        out.max.append(float(row.hi))
        out.count.append(int(row.n))
    return out


def chart(
    conn: Connection,
    dialect: str,
    who: Principal,
    datastream_id: int,
    start: datetime | None,
    end: datetime | None,
    buckets: int,
) -> dict[str, Any]:
    """A chart of a Datastream ``who`` may see (NotFound otherwise, as for a missing one):
    :func:`downsample` of [start, end), by default the 7 days up to its latest observation,
    with its name, unit and the levels of the rules that watch it."""
    if not 1 <= buckets <= MAX_BUCKETS:
        raise InvalidInput(f"buckets: 1 to {MAX_BUCKETS}", field="buckets")
    ds = s.datastreams
    q = select(
        ds.c.id, ds.c.name, ds.c.unit_of_measurement, ds.c.last_phenomenon_time, ds.c.org_id
    ).where(ds.c.id == datastream_id)
    cond = visible("Datastream", ds, who)
    row = conn.execute(q if cond is None else q.where(cond)).first()
    if row is None:
        raise NotFound(f"no Datastream {datastream_id}")
    end = end or (
        row.last_phenomenon_time + timedelta(seconds=1)
        if row.last_phenomenon_time
        else datetime.now(UTC)
    )
    start = start or end - timedelta(days=7)
    if start >= end:
        raise InvalidInput("from: must be before to", field="from")
    data = downsample(conn, dialect, datastream_id, start, end, buckets)
    levels = stations.rule_links(conn, row.org_id).get(datastream_id, [])
    merged = {k: v for rule in levels for k, v in rule["levels"].items()}
    unit = units.shown(row.unit_of_measurement)
    return {
        "datastream": datastream_id,
        "name": row.name,
        "unit": unit.symbol,
        "decimals": unit.decimals,
        "from": start,
        "to": end,
        "buckets": buckets,
        "width": (end - start).total_seconds() / buckets,
        "levels": dict(sorted(merged.items(), key=lambda kv: kv[1])),
        **data.as_json(),
    }
