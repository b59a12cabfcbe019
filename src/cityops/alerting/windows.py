"""Recent observations per datastream, kept in memory for incremental evaluation.

A window is seeded from the store on first use (only the history its rules need), then
grows with each committed batch and is trimmed to that history. Observation ids make the
merge idempotent (a batch may already be in the seed); out-of-order observations are
sorted in; non-numeric results become NaN.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.store import schema as s

from .incident_store import ts


def number(value: Any) -> float:
    """A result as float (NaN when it is not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float("nan")
    return float(value)


def load_many(
    conn: Connection,
    since: dict[int, float],
    until: dict[int, float] | None = None,
) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``load_series`` for many datastreams in one query per 500 (each from its ``since``,
    up to its ``until`` where given)."""
    until = until or {}
    o, out = s.observations, {}
    keys = sorted(since)
    for lo in range(0, len(keys), 500):
        chunk = keys[lo : lo + 500]
        start = ts(min(since[k] for k in chunk))
        q = select(o.c.datastream_id, o.c.id, o.c.phenomenon_time_start, o.c.result_number).where(
            o.c.datastream_id.in_(chunk), o.c.phenomenon_time_start >= start
        )
        rows = conn.execute(q).all()
        by: dict[int, list[Any]] = {k: [] for k in chunk}
        for r in rows:
            if since[r[0]] <= r[2].timestamp() <= until.get(r[0], np.inf):
                by[r[0]].append(r)
        for k, rs in by.items():
            out[k] = (
                np.fromiter((r[1] for r in rs), np.int64, len(rs)),
                np.fromiter((r[2].timestamp() for r in rs), np.float64, len(rs)),
                np.fromiter((np.nan if r[3] is None else r[3] for r in rs), np.float64, len(rs)),
            )
    return out


def load_series(
    conn: Connection, ds_id: int, since: float | None = None, until: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, times s, values) of a datastream's observations in [since, until], time order."""
    o = s.observations
    q = select(o.c.id, o.c.phenomenon_time_start, o.c.result_number).where(
        o.c.datastream_id == ds_id
    )
    if since is not None:
        q = q.where(o.c.phenomenon_time_start >= ts(since))
    if until is not None:
        q = q.where(o.c.phenomenon_time_start <= ts(until))
    rows = conn.execute(q.order_by(o.c.phenomenon_time_start, o.c.id)).all()
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    times = np.fromiter((r[1].timestamp() for r in rows), np.float64, len(rows))
    values = np.fromiter((np.nan if r[2] is None else r[2] for r in rows), np.float64, len(rows))
    return ids, times, values


class Window:
    """One datastream's recent observations, sorted by (time, id)."""

    __slots__ = ("ids", "keep", "times", "values")

    def __init__(self, keep: float) -> None:
        self.keep = keep
        self.ids = np.empty(0, np.int64)
        self.times = np.empty(0, np.float64)
        self.values = np.empty(0, np.float64)

    def merge(self, ids: np.ndarray, times: np.ndarray, values: np.ndarray) -> None:
        """Add observations (any order, repeats ignored) and trim to ``keep`` seconds."""
        if ids.size == 0:
            return
        if (
            self.ids.size
            and ids.min() > self.ids.max()
            and times.min() >= self.times[-1]
            and np.all(np.diff(times) >= 0)
        ):
            all_ids = np.concatenate((self.ids, ids))  # the common case: appended in order
            all_t = np.concatenate((self.times, times))
            all_v = np.concatenate((self.values, values))
        else:
            all_ids = np.concatenate((self.ids, ids))
            all_ids, first = np.unique(all_ids, return_index=True)
            all_t = np.concatenate((self.times, times))[first]
            all_v = np.concatenate((self.values, values))[first]
            order = np.lexsort((all_ids, all_t))
            all_ids, all_t, all_v = all_ids[order], all_t[order], all_v[order]
        start = np.searchsorted(all_t, all_t[-1] - self.keep, side="left") if all_t.size else 0
        self.ids, self.times, self.values = all_ids[start:], all_t[start:], all_v[start:]


def batch_arrays(
    ids: Sequence[int], times: Sequence[datetime], results: Iterable[Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrays from an ``Observation`` event's data."""
    n = len(ids)
    return (
        np.fromiter(ids, np.int64, n),
        np.fromiter((t.timestamp() for t in times), np.float64, n),
        np.fromiter((number(r) for r in results), np.float64, n),
    )


class Windows:
    """Windows by datastream id; ``keep`` per datastream is the longest history its rules need."""

    def __init__(self) -> None:
        self._w: dict[int, Window] = {}

    def get(self, ds_id: int) -> Window | None:
        return self._w.get(ds_id)

    def seed(self, conn: Connection, ds_id: int, keep: float, newest: float) -> Window:
        """Create the window of ``ds_id`` from the store (observations since newest - keep)."""
        w = Window(keep)
        w.merge(*load_series(conn, ds_id, since=newest - keep))
        self._w[ds_id] = w
        return w

    def set_keep(self, ds_id: int, keep: float) -> None:
        """Change a datastream's history (rules changed); a longer one reseeds later."""
        w = self._w.get(ds_id)
        if w is not None and keep > w.keep:
            del self._w[ds_id]
        elif w is not None:
            w.keep = keep

    def seed_many(self, conn: Connection, keep: dict[int, float], newest: dict[int, float]) -> None:
        """Seed several windows at once (one query per 500 datastreams), each with the
        ``keep`` seconds up to its ``newest``: observations committed after the batch being
        evaluated come with their own events (seeding them early would trim the batch's own
        observations out of the window before they are evaluated)."""
        since = {d: newest[d] - keep[d] for d in keep}
        for ds_id, arrays in load_many(conn, since, {d: newest[d] for d in keep}).items():
            w = Window(keep[ds_id])
            w.merge(*arrays)
            self._w[ds_id] = w

    def drop(self, ds_id: int) -> None:
        self._w.pop(ds_id, None)
