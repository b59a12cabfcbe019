"""Persist the engine's outcomes: incidents and timeline in one write job, derived
observations in another (each its own savepoint, so one cannot undo the other).

Keeps, per rule, the level last applied and whether an incident is open, so that a batch
which changes nothing costs no database work at all.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import numpy as np

from cityops.auth.principal import SYSTEM
from cityops.datamodel.observation import ObservationIn
from cityops.ingest.write import store_observations
from cityops.store.base import Store
from cityops.store.writer import Tx

from .evaluate import Outcome
from .fold import fold
from .incident_store import load_open, save, touch_last_value

log = logging.getLogger(__name__)


class Persist:
    """Applies outcomes to the store; caches (level, open?) per rule id."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._state: dict[int, tuple[int, bool]] = {}
        self.failures = 0

    def prime(self, open_levels: dict[int, int], rule_ids: list[int]) -> None:
        """Start from the store: open incidents' levels, level 0 for the other rules."""
        self._state = {
            rid: (open_levels[rid], True) if rid in open_levels else (0, False) for rid in rule_ids
        }

    def forget(self, rule_id: int | None = None) -> None:
        """Drop cached state (all, or one rule's): the next batch reads the store."""
        if rule_id is None:
            self._state.clear()
        else:
            self._state.pop(rule_id, None)

    def _needs_db(self, out: Outcome) -> bool:
        cached = self._state.get(out.active.id)
        if cached is None:
            return True
        level, is_open = cached
        return is_open or bool(np.any(out.levels != level))

    def apply(self, outcomes: list[Outcome]) -> None:
        """Write incidents (one job) and derived observations (another); wait for both."""
        todo = [o for o in outcomes if self._needs_db(o)]
        derived = [o for o in outcomes if o.active.output is not None]
        futures: list[tuple[str, Any]] = []
        if todo:
            futures.append(
                (
                    "incidents",
                    self.store.writer.submit(
                        lambda tx: _incidents_job(tx, todo, dict(self._state))
                    ),
                )
            )
        if derived:
            futures.append(
                ("derived", self.store.writer.submit(lambda tx: _derived_job(tx, derived)))
            )
        for what, fut in futures:
            try:
                result = fut.result()
            except Exception:
                self.failures += 1
                log.exception("hazard engine could not store %s", what)
                if what == "incidents":
                    for o in todo:
                        self._state.pop(o.active.id, None)
                continue
            if what == "incidents":
                self._state.update(result)
        for o in outcomes:  # nothing to write, but the level is known
            if o not in todo and o.active.id in self._state:
                self._state[o.active.id] = (int(o.levels[-1]), self._state[o.active.id][1])


def _incidents_job(
    tx: Tx, outcomes: list[Outcome], state: dict[int, tuple[int, bool]]
) -> dict[int, tuple[int, bool]]:
    """Fold each outcome into its rule's incident; returns the new (level, open?) per rule."""
    result: dict[int, tuple[int, bool]] = {}
    for out in outcomes:
        a = out.active
        level, is_open = state.get(a.id, (None, True))
        try:
            with tx.conn.begin_nested():
                if level is not None and not np.any(out.levels != level):
                    touch_last_value(tx.conn, a, _last(out.values), float(out.times[-1]))
                    result[a.id] = (level, is_open)
                    continue
                current = load_open(tx.conn, a)
                prev = current.incident.level if current else (level or 0)
                folded = fold(a, out.names, current, prev, out.times, out.levels, out.values)
                for t in folded.touched:
                    save(tx, a, t)
                still_open = any(t.incident.is_open for t in folded.touched)
                result[a.id] = (folded.level, still_open)
        except Exception:
            log.exception("incident of rule %s not stored", a.name)
    return result


def _last(values: np.ndarray) -> float | None:
    v = float(values[-1])
    return v if np.isfinite(v) else None


def _derived_job(tx: Tx, outcomes: list[Outcome]) -> None:
    """Write each rule's new values (finite ones) to its output datastream as SYSTEM."""
    batch: list[ObservationIn] = []
    for out in outcomes:
        assert out.active.output is not None
        for t, v in zip(out.times.tolist(), out.values.tolist(), strict=True):
            if np.isfinite(v):
                when = datetime.fromtimestamp(t, UTC)
                batch.append(
                    ObservationIn(
                        out.active.output, when, result_number=float(v), parameters=_origin(out)
                    )
                )
    store_observations(tx, batch, SYSTEM)


def _origin(out: Outcome) -> dict[str, Any]:
    return {"derivedBy": {"rule": out.active.name, "type": out.active.type}}
