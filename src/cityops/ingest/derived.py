"""A Datastream's derived values (phenomenon/result time, observed area, latest value).

Ingest records one ``DatastreamDelta`` per datastream and batch; the writer merges the
deltas of a whole group commit and applies them just before it commits, in datastream id
order (``Tx.defer``). The UPDATE folds the delta into the row with LEAST/GREATEST and a
guarded CASE, reading the row as it is when the lock is granted, so concurrent writers in
other processes never overwrite each other's values (no lost updates), whatever order
their observations arrive or commit in. "Latest" is the greatest (phenomenon time, id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, and_, bindparam, case, or_, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Update

from cityops.store import schema as s
from cityops.store.dialect import Dialect
from cityops.store.types import UTCDateTime

BBox = tuple[float, float, float, float]


@dataclass
class DatastreamDelta:
    """What a batch of new observations changes in one Datastream row."""

    ds_id: int
    phenomenon_start: datetime
    phenomenon_end: datetime
    latest_time: datetime
    latest_id: int
    latest_result: float | None
    result_start: datetime | None = None
    result_end: datetime | None = None
    bbox: BBox | None = None

    def merge(self, other: DatastreamDelta) -> None:
        """Fold in the delta of a later job of the same transaction."""
        self.phenomenon_start = min(self.phenomenon_start, other.phenomenon_start)
        self.phenomenon_end = max(self.phenomenon_end, other.phenomenon_end)
        if (other.latest_time, other.latest_id) > (self.latest_time, self.latest_id):
            self.latest_time, self.latest_id = other.latest_time, other.latest_id
            self.latest_result = other.latest_result
        self.result_start = _pick(min, self.result_start, other.result_start)
        self.result_end = _pick(max, self.result_end, other.result_end)
        if other.bbox is not None:
            b, o = self.bbox, other.bbox
            self.bbox = (
                o
                if b is None
                else (min(b[0], o[0]), min(b[1], o[1]), max(b[2], o[2]), max(b[3], o[3]))
            )

    def flush(self, conn: Connection, dialect: Dialect) -> None:
        """One atomic UPDATE of the Datastream row (a statement built once per dialect:
        building it per flush cost more than running it)."""
        conn.execute(_update_for(dialect), self._params())

    @staticmethod
    def flush_many(conn: Connection, dialect: Dialect, deltas: list[DatastreamDelta]) -> None:
        """The UPDATEs of many rows as one executemany, in the order given (the writer
        gives them in datastream id order, so lock order is kept)."""
        params = [d._params() for d in deltas]
        run_many = getattr(dialect, "run_many", None)  # SQLite: precompiled, raw executemany
        if run_many is not None:
            run_many(conn, _update_for(dialect), params)
        else:
            conn.execute(_update_for(dialect), params)

    def _params(self) -> dict[str, Any]:
        bbox = self.bbox or (None, None, None, None)
        return {
            "ds_id": self.ds_id,
            "p_start": self.phenomenon_start,
            "p_end": self.phenomenon_end,
            "latest_time": self.latest_time,
            "latest_id": self.latest_id,
            "latest_result": self.latest_result,
            "r_start": self.result_start,
            "r_end": self.result_end,
            "minx": bbox[0],
            "miny": bbox[1],
            "maxx": bbox[2],
            "maxy": bbox[3],
        }


_UPDATES: dict[str, Update] = {}


def _update_for(dialect: Dialect) -> Update:
    """The UPDATE that folds a delta into its row. A NULL parameter leaves its column
    as it is: the dialect's LEAST/GREATEST ignore NULLs."""
    stmt = _UPDATES.get(dialect.name)
    if stmt is None:
        stmt = _UPDATES[dialect.name] = _build_update(dialect)
    return stmt


def _build_update(d: Dialect) -> Update:
    ds = s.datastreams
    latest_time = bindparam("latest_time", type_=UTCDateTime())
    latest_id = bindparam("latest_id", type_=BigInteger())
    newer = or_(
        ds.c.last_phenomenon_time.is_(None),
        ds.c.last_phenomenon_time < latest_time,
        and_(
            ds.c.last_phenomenon_time == latest_time,
            or_(ds.c.last_observation_id.is_(None), ds.c.last_observation_id < latest_id),
        ),
    )
    values: dict[str, Any] = {
        "phenomenon_time_start": d.least(ds.c.phenomenon_time_start, _p("p_start")),
        "phenomenon_time_end": d.greatest(ds.c.phenomenon_time_end, _p("p_end")),
        "last_observation_id": case((newer, latest_id), else_=ds.c.last_observation_id),
        "last_result": case(
            (newer, bindparam("latest_result", type_=Float())), else_=ds.c.last_result
        ),
        "last_phenomenon_time": case((newer, latest_time), else_=ds.c.last_phenomenon_time),
        "result_time_start": d.least(ds.c.result_time_start, _p("r_start")),
        "result_time_end": d.greatest(ds.c.result_time_end, _p("r_end")),
    }
    fns = (d.least, d.least, d.greatest, d.greatest)
    for name, fn in zip(("minx", "miny", "maxx", "maxy"), fns, strict=True):
        values[f"bbox_{name}"] = fn(ds.c[f"bbox_{name}"], bindparam(name, type_=Float()))
    return update(ds).where(ds.c.id == bindparam("ds_id", type_=BigInteger())).values(**values)


def _p(name: str) -> Any:
    return bindparam(name, type_=UTCDateTime())


def _pick(fn: Any, a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return fn(a, b)  # type: ignore[no-any-return]
