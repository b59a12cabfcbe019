"""Observations partitioned by month on PostgreSQL: the partitions, and creating them ahead.

Why: observations are almost all of the data and grow without end. On PostgreSQL the
``observations`` table is partitioned by range of ``phenomenon_time_start`` (native
declarative partitioning, migration ``0006_pgscale``), one partition a month
(``observations_pYYYYMM``, bounds at 00:00 UTC on the first of the month), so that

- a query over a time window reads only the months it covers (partition pruning), and the
  indexes of the current months stay small enough to stay in memory;
- retention is ``DROP TABLE`` of whole months: no DELETE of millions of rows, no bloat,
  no vacuum debt.

Decisions:
- A ``DEFAULT`` partition (``observations_default``) takes any time that has no month of
  its own (a historical import from 1995, a clock years ahead): ingest never fails on
  routing. Converting an existing table, months with fewer than
  ``OWN_PARTITION_MIN_ROWS`` observations stay in it too. When a month is created later
  (ahead, or by ``cityops db partitions --month``), its rows are moved out of the default
  partition in the same transaction.
  Retention never drops the default partition; ``cityops db partitions`` shows its rows.
- Months are created ahead by every CityOps node (at start and every hour, the
  ``partitions`` worker): the current month and ``partition_months_ahead`` more (2).
  Nodes serialise on an advisory lock, so two nodes never race to create a month.
- A new month is made as a plain table, filled from the default partition, and then
  attached (``ATTACH PARTITION`` takes a lighter lock on the parent than
  ``CREATE TABLE ... PARTITION OF``: ingest into other months goes on).
- The primary key is (id, phenomenon_time_start): PostgreSQL requires the partition key
  in every unique constraint. Ids still come from one sequence, so they stay unique;
  nothing references an observation by foreign key (``datastreams.last_observation_id``
  and ``ingest_receipts.observation_id`` are plain columns).
- SQLite is unchanged (one table): everything here is a no-op there.

Retention (dropping old months) is in ``store/retention.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

PARENT = "observations"
DEFAULT = "observations_default"
_NAME = re.compile(r"^observations_p(\d{4})(\d{2})$")
# Migration 0006 gives a month that already holds data a partition of its own only from
# this many observations on: live data gets its months, while sparse history (65 years of
# daily river levels are 40 rows a month) stays in the default partition instead of
# hundreds of tiny partitions that every query without a time bound would have to visit.
OWN_PARTITION_MIN_ROWS = 10_000

# pg_advisory_xact_lock key: "obs partitions" as a number; any constant shared by all nodes.
LOCK = 0x0B5_9A27


@dataclass(frozen=True)
class Partition:
    """One partition: a month [start, end), or the default one (start and end None)."""

    name: str
    start: datetime | None
    end: datetime | None
    rows: int | None = None  # filled by ``list_partitions(count=True)``


def month_start(t: datetime) -> datetime:
    """The first instant (UTC) of the month holding ``t``."""
    t = t.astimezone(UTC)
    return datetime(t.year, t.month, 1, tzinfo=UTC)


def add_months(t: datetime, n: int) -> datetime:
    """The first of the month ``n`` months after the month of ``t`` (UTC)."""
    k = t.year * 12 + (t.month - 1) + n
    return datetime(k // 12, k % 12 + 1, 1, tzinfo=UTC)


def partition_name(month: datetime) -> str:
    m = month_start(month)
    return f"{PARENT}_p{m.year:04d}{m.month:02d}"


def is_partition_name(name: str | None) -> bool:
    """A table that is a partition of ``observations`` (left out of model comparisons)."""
    return name is not None and (name == DEFAULT or _NAME.match(name) is not None)


def _bound(t: datetime) -> str:
    return t.strftime("%Y-%m-%d 00:00:00+00")


def is_partitioned(conn: Connection) -> bool:
    """True when ``observations`` is a partitioned table (PostgreSQL after 0006)."""
    if conn.dialect.name != "postgresql":
        return False
    kind = conn.execute(
        text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": PARENT}
    ).scalar()
    return kind == "p"


def list_partitions(conn: Connection, count: bool = False) -> list[Partition]:
    """The partitions of ``observations``, months in time order, the default one last."""
    names = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(:t)"
        ),
        {"t": PARENT},
    ).scalars()
    months: list[Partition] = []
    default: list[Partition] = []
    for name in names:
        rows = count_rows(conn, name) if count else None
        m = _NAME.match(name)
        if m:
            start = datetime(int(m[1]), int(m[2]), 1, tzinfo=UTC)
            months.append(Partition(name, start, add_months(start, 1), rows))
        else:
            default.append(Partition(name, None, None, rows))
    return sorted(months, key=lambda p: p.name) + default


def count_rows(conn: Connection, name: str) -> int:
    return int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())


def create_month(conn: Connection, month: datetime) -> bool:
    """Create the partition of ``month`` unless it exists (True when created), moving the
    rows of that month out of the default partition. Call inside a transaction."""
    start = month_start(month)
    name = partition_name(start)
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})
    if conn.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is not None:
        return False
    lo, hi = _bound(start), _bound(add_months(start, 1))
    conn.execute(text(f'CREATE TABLE "{name}" (LIKE {PARENT} INCLUDING DEFAULTS)'))
    if conn.execute(text("SELECT to_regclass(:n)"), {"n": DEFAULT}).scalar() is not None:
        conn.execute(
            text(
                f"WITH moved AS (DELETE FROM {DEFAULT} WHERE phenomenon_time_start >= :lo "
                f'AND phenomenon_time_start < :hi RETURNING *) INSERT INTO "{name}" '
                "SELECT * FROM moved"
            ),
            {"lo": lo, "hi": hi},
        )
    conn.execute(
        text(
            f"ALTER TABLE {PARENT} ATTACH PARTITION \"{name}\" FOR VALUES FROM ('{lo}') TO ('{hi}')"
        )
    )
    return True


def create_default(conn: Connection) -> None:
    conn.execute(text(f"CREATE TABLE IF NOT EXISTS {DEFAULT} PARTITION OF {PARENT} DEFAULT"))


def ensure_months(conn: Connection, months: Iterable[datetime]) -> list[str]:
    """Create the partitions of ``months`` that are missing; their names."""
    if not is_partitioned(conn):
        return []
    return [
        partition_name(m) for m in sorted(set(map(month_start, months))) if create_month(conn, m)
    ]


def ensure_ahead(engine: Engine, ahead: int, now: datetime | None = None) -> list[str]:
    """The current month and ``ahead`` more exist afterwards; the names created (in one
    transaction on a connection of its own, not the writer's)."""
    first = month_start(now or datetime.now(UTC))
    with engine.begin() as conn:
        return ensure_months(conn, [add_months(first, i) for i in range(ahead + 1)])
