"""Downsampled time series for charts: min, mean and max per time bucket, in SQL.

The range [from, to) is cut into ``buckets`` equal parts; bucket ``i`` holds the
observations with ``from + i*w <= t < from + (i+1)*w`` (w = (to - from) / buckets). The
bucket index is computed exactly (integer microseconds on SQLite, numeric epoch on
PostgreSQL), on the indexed (datastream_id, phenomenon_time_start) range, so a year of
15-minute data (35,000 rows) becomes a few hundred points without leaving the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from cityops.store.types import UTCDateTime

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
