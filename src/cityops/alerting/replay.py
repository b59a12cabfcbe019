"""Replay: the same rules and the same fold over stored history.

Each rule's inputs are read for ``[start - history, end]``, evaluated in one call of the
rule's ``levels`` (vectorised, so decades take a fraction of a second), and the level
changes inside ``[start, end]`` are folded into incidents exactly as the engine does.
``record`` stores them with ``origin = "replay"``: visible beside live incidents, never
counted as the open incident of a rule. Recording is idempotent: a replayed incident is
identified by (rule, subject, opening time), so replaying the same period again
rewrites those incidents (their fields and timeline) instead of adding copies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import delete, select, update

from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.writer import Tx

from .active import ActiveRule, load_active
from .evaluate import inputs_of
from .fold import Tracked, fold
from .incident_store import REPLAY, insert_entries, row_values, save, ts
from .windows import Window, load_series

log = logging.getLogger(__name__)


@dataclass
class Replayed:
    """An incident the rule would have raised, with its timeline."""

    active: ActiveRule
    tracked: Tracked


@dataclass
class ReplayResult:
    incidents: list[Replayed]
    rules: int
    errors: dict[str, str]


def _window(store: Store, ds: int, since: float, until: float) -> Window:
    w = Window(keep=float("inf"))
    with store.read() as conn:
        w.merge(*load_series(conn, ds, since, until))
    return w


def replay_rule(store: Store, active: ActiveRule, start: float, end: float) -> list[Tracked]:
    """Incidents one rule would have raised between ``start`` and ``end`` (s since epoch)."""
    since = start - active.rule.history
    wins = {ds: _window(store, ds, since, end) for ds in active.datastreams}
    ls = active.rule.levels(inputs_of(active, wins))
    keep = (ls.times >= start) & (ls.times <= end)
    if not keep.any():
        return []
    first = int(np.argmax(keep))
    prev = int(ls.levels[first - 1]) if first > 0 else 0
    t, lv, v = ls.times[keep], ls.levels[keep], ls.values[keep]
    if prev > 0:  # an episode already under way at ``start`` is replayed from its start
        t, lv, v = (
            np.concatenate(([start], t)),
            np.concatenate(([prev], lv)),
            np.concatenate(([np.nan], v)),
        )
    return fold(active, ls.names, None, 0, t, lv, v).touched


def replay(
    store: Store, start: datetime, end: datetime, rules: list[str] | None = None
) -> ReplayResult:
    """Replay the enabled rules (or the named ones, enabled or not) over a period."""
    with store.read() as conn:
        active, broken = load_active(conn, rules, enabled_only=not rules)
    if rules:
        missing = sorted(set(rules) - {a.name for a in active} - set(broken))
        broken.update({name: "no such rule" for name in missing})
    out: list[Replayed] = []
    errors = dict(broken)
    for a in active:
        try:
            out.extend(
                Replayed(a, t) for t in replay_rule(store, a, start.timestamp(), end.timestamp())
            )
        except Exception as exc:  # one rule's failure is reported, not fatal
            log.exception("replay of rule %s failed", a.name)
            errors[a.name] = f"{type(exc).__name__}: {exc}"
    out.sort(key=lambda r: (r.tracked.incident.opened_at, r.active.name))
    return ReplayResult(out, len(active), errors)


def record(store: Store, result: ReplayResult) -> list[int]:
    """Store replayed incidents (origin "replay") with their timelines; their ids. An
    incident recorded before (same rule, subject and opening time) is rewritten."""

    def job(tx: Tx) -> list[int]:
        return [_record_one(tx, r) for r in result.incidents]

    return store.write_sync(job)


def _record_one(tx: Tx, r: Replayed) -> int:
    i, tl = s.incidents, s.incident_timeline
    inc = r.tracked.incident
    existing = tx.conn.execute(
        select(i.c.id).where(
            i.c.rule_id == r.active.id,
            i.c.subject == r.active.subject,
            i.c.origin == REPLAY,
            i.c.opened_at == ts(inc.opened_at),
        )
    ).scalar()
    if existing is None:
        return save(tx, r.active, r.tracked, origin=REPLAY)
    tx.conn.execute(update(i).where(i.c.id == existing).values(**row_values(r.tracked)))
    tx.conn.execute(delete(tl).where(tl.c.incident_id == existing))
    insert_entries(tx.conn, int(existing), list(inc.timeline))
    inc.id = int(existing)
    return int(existing)
