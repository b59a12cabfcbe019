"""Retention on PostgreSQL: drop whole months of observations older than a limit.

Why whole months: ``DROP TABLE`` of a partition frees its space at once, with no DELETE of
millions of rows, no bloat and no vacuum debt (``store/partitions.py``). A month that
holds any observation newer than the limit is kept whole, so less than the limit is never
dropped; the default partition is never dropped.

What else changes, in the same transaction:
- the receipt keys (``ingest_receipts``) of the dropped observations are deleted, so that
  table stays bounded too;
- the Datastreams whose data reached back past the dropped months get their derived
  columns from what is left: phenomenon and result time ranges, and the latest
  observation where it was in a dropped month (a Datastream left with nothing gets NULLs);
- ``on_dropped(conn, dropped)`` writes the audit row.

Dropping a partition takes an exclusive lock on ``observations`` until the commit, which
would stop ingest. So the slow part (counting, deleting receipts, the aggregates over the
remaining rows of the affected Datastreams) runs first, under ordinary read locks; then
the months are dropped and the Datastream rows updated by primary key, in id order (the
order every writer locks them in), and the transaction commits. An observation of an
affected Datastream committed while the aggregates run is not in them: its times come
back with the Datastream's next observation (ingest keeps the ranges with LEAST and
GREATEST); the latest value is never taken back from a newer one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from cityops.store import partitions as pt


@dataclass(frozen=True)
class Dropped:
    name: str
    start: datetime
    end: datetime
    rows: int


def retention(
    engine: Engine,
    cutoff: datetime,
    *,
    dry_run: bool = False,
    on_dropped: Callable[[Connection, list[Dropped]], None] | None = None,
) -> list[Dropped]:
    """Drop every month partition whose month ends at or before ``cutoff``; the months
    dropped (or, with ``dry_run``, those that would be). ValueError when observations are
    not partitioned (SQLite, or PostgreSQL before migration 0006)."""
    with engine.begin() as conn:
        if not pt.is_partitioned(conn):
            raise ValueError(
                "observations are not partitioned (SQLite, or a PostgreSQL database before "
                "migration 0006): retention drops whole monthly partitions"
            )
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": pt.LOCK})
        dropped = [
            Dropped(p.name, p.start, p.end, pt.count_rows(conn, p.name))
            for p in pt.list_partitions(conn)
            if p.start is not None and p.end is not None and p.end <= cutoff
        ]
        if dry_run or not dropped:
            return dropped
        before = max(d.end for d in dropped)  # every row left is newer, or in the default
        for d in dropped:
            conn.execute(
                text(
                    "DELETE FROM ingest_receipts WHERE observation_id IN "
                    f'(SELECT id FROM "{d.name}")'
                )
            )
        ranges, latest = _derived_after(conn, before)
        for d in dropped:  # from here to the commit ingest waits: keep it short
            conn.execute(text(f'DROP TABLE "{d.name}"'))
        _apply(conn, before, ranges, latest)
        if on_dropped is not None:
            on_dropped(conn, dropped)
    return dropped


# The rows left of a Datastream: those at or after ``before`` (months that stay, and the
# default partition), and those of the default partition before it.
_LEFT = """
    SELECT o.datastream_id, o.id, o.phenomenon_time_start, o.phenomenon_time_end,
      o.result_time, o.result_number
    FROM observations o WHERE o.phenomenon_time_start >= :before
      AND o.datastream_id IN (SELECT id FROM affected)
    UNION ALL
    SELECT o.datastream_id, o.id, o.phenomenon_time_start, o.phenomenon_time_end,
      o.result_time, o.result_number
    FROM observations_default o WHERE o.phenomenon_time_start < :before
      AND o.datastream_id IN (SELECT id FROM affected)
"""


def _derived_after(
    conn: Connection, before: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """For the Datastreams with data before ``before``: their time ranges over the rows
    left, and (for those whose latest observation is before it) the latest row left."""
    ranges = conn.execute(
        text(
            "WITH affected AS (SELECT id FROM datastreams WHERE phenomenon_time_start < :before),"
            f" left_rows AS ({_LEFT}) "
            "SELECT a.id, min(l.phenomenon_time_start) AS pt0, "
            "max(coalesce(l.phenomenon_time_end, l.phenomenon_time_start)) AS pt1, "
            "min(l.result_time) AS rt0, max(l.result_time) AS rt1 "
            "FROM affected a LEFT JOIN left_rows l ON l.datastream_id = a.id GROUP BY a.id"
        ),
        {"before": before},
    ).mappings()
    latest = conn.execute(
        text(
            "WITH affected AS (SELECT id FROM datastreams WHERE last_phenomenon_time < :before),"
            f" left_rows AS ({_LEFT}) "
            "SELECT a.id, l.id AS oid, l.phenomenon_time_start AS pt, l.result_number AS rn "
            "FROM affected a LEFT JOIN LATERAL (SELECT * FROM left_rows r "
            "WHERE r.datastream_id = a.id "
            "ORDER BY r.phenomenon_time_start DESC, r.id DESC LIMIT 1) l ON true"
        ),
        {"before": before},
    ).mappings()
    return [dict(r) for r in ranges], [dict(r) for r in latest]


def _apply(
    conn: Connection, before: datetime, ranges: list[dict[str, Any]], latest: list[dict[str, Any]]
) -> None:
    """Write the derived columns, by primary key in id order. The phenomenon time's end
    keeps a latest observation that is not in a dropped month (it may be newer than the
    aggregates); a latest value is replaced only where it was in a dropped month."""
    if ranges:
        conn.execute(
            text(
                "UPDATE datastreams SET phenomenon_time_start = :pt0, "
                "phenomenon_time_end = GREATEST(:pt1, CASE WHEN last_phenomenon_time >= :before "
                "THEN last_phenomenon_time END), "
                "result_time_start = :rt0, result_time_end = :rt1 WHERE id = :id"
            ),
            [{**r, "before": before} for r in sorted(ranges, key=lambda r: r["id"])],
        )
    if latest:
        conn.execute(
            text(
                "UPDATE datastreams SET last_observation_id = :oid, last_phenomenon_time = :pt, "
                "last_result = :rn WHERE id = :id AND last_phenomenon_time < :before"
            ),
            [{**r, "before": before} for r in sorted(latest, key=lambda r: r["id"])],
        )
