"""Incidents in the store: load the open incident of a rule, save changes with their
timeline entries, and emit ``Incident`` events after commit.

Events (entity ``"Incident"``, id = incident id), for live views and CAP alerting:
``created`` when an incident opens, ``updated`` on every later change, each with data
``{"rule_id", "rule", "subject", "org_id", "state", "level", "level_name", "severity",
"max_level", "changes": [timeline kinds], "origin"}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, insert, or_, select, update
from sqlalchemy.engine import Connection

from cityops.incidents.state import Incident, State, TimelineEntry
from cityops.store import schema as s
from cityops.store.writer import Tx

from .active import ActiveRule
from .fold import Tracked

ENGINE, REPLAY = "engine", "replay"


def ts(value: float | None) -> datetime | None:
    """Seconds since the epoch -> aware UTC datetime."""
    return None if value is None else datetime.fromtimestamp(value, UTC)


def secs(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def tracked_from_row(row: Any, rule_name: str) -> Tracked:
    """A stored incident as the state machine's Incident plus the stored extras."""
    inc = Incident(
        rule_name,
        row.subject,
        row.level,
        row.level_name,
        row.opened_at.timestamp(),
        State(row.state),
        row.max_level,
        row.assignee,
        row.updated_at.timestamp(),
        secs(row.resolved_at),
        row.id,
        cleared_at=secs(row.cleared_at),
        oscillations=int(row.oscillations or 0),
        held_by=row.acknowledged_by or row.assignee,
    )
    return Tracked(
        inc,
        row.severity,
        row.max_level_name,
        row.max_level_at.timestamp(),
        row.last_value,
        secs(row.last_time),
        row.acknowledged_by,
        peak_value=row.peak_value,
        peak_at=secs(row.peak_at),
        readings=int(row.readings or 0),
        persisted_at=secs(row.persisted_at),
        escalated_at=secs(row.escalated_at),
    )


def load_open(conn: Connection, active: ActiveRule) -> Tracked | None:
    """The open live incident of (rule, subject), if any."""
    i = s.incidents
    row = conn.execute(
        select(i).where(
            i.c.rule_id == active.id,
            i.c.subject == active.subject,
            i.c.state != "resolved",
            i.c.origin == ENGINE,
        )
    ).first()
    return None if row is None else tracked_from_row(row, active.name)


def row_values(t: Tracked) -> dict[str, Any]:
    inc = t.incident
    return {
        "state": inc.state.value,
        "level": inc.level,
        "level_name": inc.level_name,
        "severity": t.severity,
        "max_level": inc.max_level,
        "max_level_name": t.max_level_name,
        "max_level_at": ts(t.max_level_at),
        "updated_at": ts(inc.updated_at),
        "resolved_at": ts(inc.resolved_at),
        "assignee": inc.assignee,
        "acknowledged_by": t.acknowledged_by,
        "last_value": t.last_value,
        "last_time": ts(t.last_time),
        "peak_value": t.peak_value,
        "peak_at": ts(t.peak_at),
        "cleared_at": ts(inc.cleared_at),
        "oscillations": inc.oscillations,
        "readings": t.readings,
        "persisted_at": ts(t.persisted_at),
        "escalated_at": ts(t.escalated_at),
    }


def insert_entries(conn: Connection, incident_id: int, entries: list[TimelineEntry]) -> None:
    if entries:
        conn.execute(
            insert(s.incident_timeline),
            [
                {
                    "incident_id": incident_id,
                    "time": ts(e.time),
                    "kind": e.kind,
                    "actor": e.actor,
                    "from_value": e.from_value,
                    "to_value": e.to_value,
                    "note": e.note,
                }
                for e in entries
            ],
        )


def save(tx: Tx, active: ActiveRule, t: Tracked, origin: str = ENGINE) -> int:
    """Insert or update the incident and append its new timeline entries; emit an event."""
    i, inc = s.incidents, t.incident
    values = row_values(t)
    created = t.is_new
    if created:
        inc.id = int(
            tx.conn.execute(
                insert(i)
                .values(
                    rule_id=active.id,
                    subject=active.subject,
                    org_id=active.org_id,
                    origin=origin,
                    opened_at=ts(inc.opened_at),
                    **values,
                )
                .returning(i.c.id)
            ).scalar_one()
        )
    else:
        tx.conn.execute(update(i).where(i.c.id == inc.id).values(**values))
    assert inc.id is not None
    insert_entries(tx.conn, int(inc.id), t.new_entries)
    if created or t.new_entries:
        emit(tx, "created" if created else "updated", active, t, origin)
    t.new_entries = []
    return int(inc.id)


def emit(
    tx: Tx,
    kind: str,
    active: ActiveRule | None,
    t: Tracked,
    origin: str = ENGINE,
    rule_id: int | None = None,
    org_id: int | None = None,
) -> None:
    inc = t.incident
    tx.emit(
        kind,
        "Incident",
        int(inc.id or 0),
        rule_id=active.id if active else rule_id,
        rule=inc.rule,
        subject=inc.subject,
        org_id=active.org_id if active else org_id,
        state=inc.state.value,
        level=inc.level,
        level_name=inc.level_name,
        severity=t.severity,
        max_level=inc.max_level,
        max_level_name=t.max_level_name,
        peak_value=t.peak_value,
        cleared=inc.cleared_at is not None,
        oscillations=inc.oscillations,
        changes=[e.kind for e in t.new_entries],
        origin=origin,
    )


def touch_last_value(
    conn: Connection,
    active: ActiveRule,
    value: float | None,
    time: float,
    readings: int = 0,
    peak: tuple[float, float] | None = None,
) -> None:
    """Keep the open incident's latest value, readings and peak current without loading
    it (a batch that changes no level on an incident whose condition is active)."""
    i = s.incidents
    values: dict[str, Any] = {
        "last_value": value,
        "last_time": ts(time),
        "readings": i.c.readings + readings,
    }
    if peak is not None:
        higher = or_(i.c.peak_value.is_(None), i.c.peak_value < peak[0])
        values["peak_value"] = case((higher, peak[0]), else_=i.c.peak_value)
        values["peak_at"] = case((higher, ts(peak[1])), else_=i.c.peak_at)
    conn.execute(
        update(i)
        .where(
            i.c.rule_id == active.id,
            i.c.subject == active.subject,
            i.c.state != "resolved",
            i.c.origin == ENGINE,
        )
        .values(**values)
    )


def open_levels(conn: Connection) -> dict[int, int]:
    """Rule id -> level in force of its open live incident (0 while its condition is
    cleared), one query, for the engine's start."""
    i = s.incidents
    rows = conn.execute(
        select(i.c.rule_id, i.c.level, i.c.cleared_at).where(
            i.c.state != "resolved", i.c.origin == ENGINE
        )
    )
    return {int(r.rule_id): 0 if r.cleared_at is not None else int(r.level) for r in rows}
