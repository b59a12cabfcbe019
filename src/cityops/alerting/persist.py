"""Persist the engine's outcomes: incidents and timeline in one write job, derived
observations in another (each its own savepoint, so one cannot undo the other).

Keeps, per rule, the level last applied and whether an incident is open, so that a batch
which changes nothing costs no database work at all. An open incident whose level does
not change is only touched in SQL (latest value, readings, peak) - unless time alone can
change it (its condition cleared: the cool-down runs; automatic issue waiting for the
condition to persist): such a "slow" incident is loaded and folded with every batch.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import numpy as np

from cityops.auth.principal import SYSTEM
from cityops.datamodel.observation import ObservationIn
from cityops.incidents.state import expire
from cityops.ingest.write import store_observations
from cityops.store.base import Store
from cityops.store.writer import Tx

from .active import ActiveRule
from .evaluate import Outcome
from .fold import Tracked, fold, persistence
from .incident_store import load_open, save, touch_last_value

log = logging.getLogger(__name__)


class Persist:
    """Applies outcomes to the store; caches (level, open?) per rule id."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._state: dict[int, tuple[int, bool]] = {}
        self._slow: set[int] = set()  # rules whose open incident needs the full fold
        self.failures = 0

    def prime(self, open_levels: dict[int, int], rule_ids: list[int]) -> None:
        """Start from the store: open incidents' levels, level 0 for the other rules."""
        self._state = {
            rid: (open_levels[rid], True) if rid in open_levels else (0, False) for rid in rule_ids
        }
        self._slow = set(open_levels)

    def forget(self, rule_id: int | None = None) -> None:
        """Drop cached state (all, or one rule's): the next batch reads the store."""
        if rule_id is None:
            self._state.clear()
            self._slow.clear()
        else:
            self._state.pop(rule_id, None)
            self._slow.discard(rule_id)

    def expire(self, rules: dict[int, ActiveRule], now: float) -> None:
        """On the engine's clock: end the cool-downs that passed while no data came (a
        gauge that fell silent after the flood must not hold its incident open)."""
        slow = [rules[rid] for rid in sorted(self._slow) if rid in rules]
        if not slow:
            return
        try:
            done = self.store.writer.submit(lambda tx: _expire_job(tx, slow, now)).result()
        except Exception:
            self.failures += 1
            log.exception("hazard engine could not end cool-downs")
            return
        for rid in done:
            self._state[rid] = (0, False)
            self._slow.discard(rid)

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
                        lambda tx: _incidents_job(tx, todo, dict(self._state), set(self._slow))
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
                levels, slow = result
                self._state.update(levels)
                self._slow -= {o.active.id for o in todo}
                self._slow |= slow
        for o in outcomes:  # nothing to write, but the level is known
            if o not in todo and o.active.id in self._state:
                self._state[o.active.id] = (int(o.levels[-1]), self._state[o.active.id][1])


def _expire_job(tx: Tx, rules: list[ActiveRule], now: float) -> list[int]:
    """Resolve the cleared incidents of ``rules`` whose cool-down ended by ``now`` (and
    that no person holds); the ids of the rules whose incident was resolved."""
    done = []
    for a in rules:
        t = load_open(tx.conn, a)
        if t is None or t.incident.cleared_at is None:
            continue
        change = expire(t.incident, now, a.policy)
        if change.entries:
            t.new_entries = list(change.entries)
            save(tx, a, t)
            done.append(a.id)
    return done


def _incidents_job(
    tx: Tx, outcomes: list[Outcome], state: dict[int, tuple[int, bool]], slow: set[int]
) -> tuple[dict[int, tuple[int, bool]], set[int]]:
    """Fold each outcome into its rule's incident; returns the new (level, open?) per rule
    and the rules whose open incident must be folded again with the next batch."""
    result: dict[int, tuple[int, bool]] = {}
    still_slow: set[int] = set()
    for out in outcomes:
        a = out.active
        level, is_open = state.get(a.id, (None, True))
        try:
            with tx.conn.begin_nested():
                if (
                    level is not None
                    and (level > 0 or not is_open)
                    and a.id not in slow
                    and not np.any(out.levels != level)
                ):
                    if is_open:
                        _touch(tx, out)
                    result[a.id] = (level, is_open)
                    continue
                current = load_open(tx.conn, a)
                prev = current.incident.current_level if current else (level or 0)
                folded = fold(a, out.names, current, prev, out.times, out.levels, out.values)
                for t in folded.touched:
                    save(tx, a, t)
                live = [t for t in folded.touched if t.incident.is_open]
                result[a.id] = (folded.level, bool(live))
                if live and _is_slow(a, live[0]):
                    still_slow.add(a.id)
        except Exception:
            log.exception("incident of rule %s not stored", a.name)
    return result, still_slow


def _is_slow(active: ActiveRule, t: Tracked) -> bool:
    """Time alone can change this open incident (cool-down, pending persistence)."""
    waiting = persistence(active) is not None and t.persisted_at is None
    return t.incident.cleared_at is not None or waiting


def _touch(tx: Tx, out: Outcome) -> None:
    """Latest value, readings and peak of an open incident whose level did not change."""
    v = out.values
    peak = None
    if np.isfinite(v).any():
        k = int(np.nanargmax(v))
        peak = (float(v[k]), float(out.times[k]))
    touch_last_value(tx.conn, out.active, _last(v), float(out.times[-1]), int(v.size), peak)


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
