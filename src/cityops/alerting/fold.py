"""Apply a rule's level series to the incident of its (rule, subject): the one piece of
logic shared by incremental evaluation and replay, so both raise the same incidents -
whatever the batch sizes (the fold is exact per sample, not per batch).

Level *changes* act on incidents (via ``cityops.incidents.state.observe``). With no
open incident, only a rise opens one: after an operator resolved an incident by hand, a
condition that merely continues (or eases) does not reopen it; the next rise does.
Between changes, each run of equal levels is scanned for what time alone decides: the
end of a cool-down (the system resolves), the incident's peak and readings, and - for
rules whose city enabled automatic issue - the moment the condition has persisted
long enough to go public (a ``persisted`` timeline entry).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from cityops.incidents.state import SYSTEM, Incident, TimelineEntry, expire, observe

from .active import ActiveRule


@dataclass
class Tracked:
    """An incident with what the store keeps beside the state machine's fields."""

    incident: Incident
    severity: str
    max_level_name: str
    max_level_at: float
    last_value: float | None = None
    last_time: float | None = None
    acknowledged_by: str | None = None
    new_entries: list[TimelineEntry] = field(default_factory=list)
    peak_value: float | None = None
    peak_at: float | None = None
    readings: int = 0  # readings above normal
    persisted_at: float | None = None
    escalated_at: float | None = None  # unacknowledged: escalated to the city admin

    @property
    def is_new(self) -> bool:
        return self.incident.id is None


@dataclass
class Folded:
    """Outcome of :func:`fold`: incidents touched (in order) and the level after the last sample."""

    touched: list[Tracked]
    level: int


def _finite(value: float) -> float | None:
    v = float(value)
    return v if math.isfinite(v) else None


def _step(
    active: ActiveRule, names: tuple[str, ...], cur: Tracked | None, prev: int, level: int, t: float
) -> tuple[Tracked | None, Tracked | None]:
    """One level change: (incident open afterwards, incident touched)."""
    rule, subject = active.name, active.subject
    if cur is None and level <= prev:
        return None, None
    change = observe(
        cur.incident if cur else None, rule, subject, level, names[level], t, active.policy
    )
    inc = change.incident
    if inc is None:
        return cur, None
    if cur is None:
        cur = Tracked(inc, active.rule.severity(level), names[level], t)
    elif level > 0 and inc.max_level > _level_index(names, cur.max_level_name):
        cur.max_level_name, cur.max_level_at = names[level], t
    if level > 0:
        cur.severity = active.rule.severity(level)
    cur.new_entries.extend(change.entries)
    return (cur if inc.is_open else None), cur


def _level_index(names: tuple[str, ...], name: str) -> int:
    return names.index(name) if name in names else 0


def persistence(active: ActiveRule) -> tuple[int, float] | None:
    """(readings, seconds) a condition must last before automatic issue; None when the
    rule's alerts are not issued automatically (nothing to wait for)."""
    policy = active.rule.config.alert
    if policy.resolved_mode(active.type) != "issue":
        return None
    return policy.resolved_persistence(active.type)


def _run(
    active: ActiveRule,
    cur: Tracked,
    times: np.ndarray,
    level: int,
    values: np.ndarray,
    need: tuple[int, float] | None,
) -> Tracked | None:
    """Samples at one constant level on the open incident ``cur``; it, or None once resolved."""
    inc = cur.incident
    if level <= 0:
        if inc.cleared_at is None or times[-1] < inc.cleared_at + active.policy.cooldown:
            return cur
        due = np.flatnonzero(times >= inc.cleared_at + active.policy.cooldown)
        if due.size and inc.held_by is None:
            t = float(times[due[0]])
            change = expire(inc, t, active.policy)
            cur.new_entries.extend(change.entries)
            cur.last_value, cur.last_time = _finite(values[due[0]]), t
        return cur if inc.is_open else None
    if values.size == 1:  # the common case of a live reading: no array machinery
        k = 0 if math.isfinite(values[0]) else -1
    else:
        k = int(np.nanargmax(values)) if np.isfinite(values).any() else -1
    if k >= 0 and (cur.peak_value is None or values[k] > cur.peak_value):
        cur.peak_value, cur.peak_at = float(values[k]), float(times[k])
    before, cur.readings = cur.readings, cur.readings + int(times.size)
    if need is not None and cur.persisted_at is None:
        count = before + np.arange(1, times.size + 1)
        ok = np.flatnonzero((count >= need[0]) & (times - inc.opened_at >= need[1]))
        if ok.size:
            t = float(times[ok[0]])
            cur.persisted_at = t
            note = f"{int(count[ok[0]])} readings over {(t - inc.opened_at) / 3600:.1f} h"
            cur.new_entries.append(inc._add(TimelineEntry("persisted", t, SYSTEM, note=note)))
    return cur


def fold(
    active: ActiveRule,
    names: tuple[str, ...],
    current: Tracked | None,
    prev_level: int,
    times: np.ndarray,
    levels: np.ndarray,
    values: np.ndarray,
) -> Folded:
    """Apply samples (time order) given the open incident and the level before them."""
    touched: dict[int, Tracked] = {}
    if current is not None:
        prev_level = current.incident.current_level
    lv = np.asarray(levels, dtype=np.int64)
    if lv.size == 0:
        return Folded([], prev_level)
    need = persistence(active)
    before = np.concatenate(([prev_level], lv[:-1]))
    changes = np.flatnonzero(lv != before)
    bounds = sorted({0, *changes.tolist(), int(lv.size)})
    cur = current
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        level = int(lv[a])
        if lv[a] != before[a]:
            cur, hit = _step(active, names, cur, int(before[a]), level, float(times[a]))
            if hit is not None:
                touched[id(hit)] = hit
                hit.last_value, hit.last_time = _finite(values[a]), float(times[a])
        if cur is not None:
            touched[id(cur)] = cur
            after = _run(active, cur, times[a:b], level, values[a:b], need)
            if after is not None:
                cur.last_value, cur.last_time = _finite(values[b - 1]), float(times[b - 1])
            cur = after
    return Folded(list(touched.values()), int(lv[-1]))
