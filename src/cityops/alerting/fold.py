"""Apply a rule's level series to the incident of its (rule, subject): the one piece of
logic shared by incremental evaluation and replay, so both raise the same incidents.

Only level *changes* act on incidents (via ``cityops.incidents.state.observe``). With no
open incident, only a rise opens one: after an operator resolved an incident by hand, a
condition that merely continues (or eases) does not reopen it; the next rise does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cityops.incidents.state import Incident, TimelineEntry, observe

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

    @property
    def is_new(self) -> bool:
        return self.incident.id is None


@dataclass
class Folded:
    """Outcome of :func:`fold`: incidents touched (in order) and the level after the last sample."""

    touched: list[Tracked]
    level: int


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


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
    if inc is None or not change.entries:
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
        prev_level = current.incident.level
    lv = np.asarray(levels, dtype=np.int64)
    if lv.size == 0:
        return Folded([], prev_level)
    before = np.concatenate(([prev_level], lv[:-1]))
    cur = current
    for i in np.flatnonzero(lv != before):
        level, t = int(lv[i]), float(times[i])
        cur, hit = _step(active, names, cur, int(before[i]), level, t)
        if hit is not None:
            touched[id(hit)] = hit
            hit.last_value, hit.last_time = _finite(values[i]), t
    if cur is not None:
        cur.last_value, cur.last_time = _finite(values[-1]), float(times[-1])
        touched[id(cur)] = cur
    return Folded(list(touched.values()), int(lv[-1]))
